// The read side of results: the layer x category table, pages of units and the chart aggregates. Every
// answer is small (aggregates or at most 1,000 units), whatever the size of the run.
import type { LayerCategoryRow, ResultsTable, RunSummary } from '../../contract/types.ts';
import type {
  ChannelCount,
  ChannelsResult,
  CsiLayerDistribution,
  CsiResult,
  SpatialResult,
  UnitRow,
  UnitsPage,
  UnitSort,
} from '../../contract/results-types.ts';
import { EngineError } from '../errors.ts';
import type { TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import type { Db } from '../storage/database.ts';
import { getRun, latestFinishedRun } from '../storage/project-store.ts';
import {
  readAggregate,
  readAggregates,
  readLayerResults,
  readRunCategories,
  readRunLayers,
  readUnitColumn,
  readUnitColumnSlice,
} from '../storage/results-store.ts';

export function requireRun(project: Project, runId: number): RunSummary {
  const run = getRun(project.db, runId);
  if (!run) throw new EngineError('not_found', `${project.path}: no run #${runId}`, { file: project.path });
  return run;
}

function requireFinished(project: Project, runId: number): RunSummary {
  const run = requireRun(project, runId);
  if (run.status !== 'finished') {
    throw new EngineError('conflict', `${project.path}: run #${runId} is ${run.status}, it has no results yet${run.status === 'interrupted' ? ' (resume it with run --resume)' : ''}`, {
      file: project.path,
    });
  }
  return run;
}

export function requireLayer(project: Project, runId: number, layer: string): { position: number; tap: TapShape; layers: TapShape[] } {
  const layers = readRunLayers(project.db, runId);
  const position = layers.findIndex((l) => l.name === layer);
  if (position < 0) {
    throw new EngineError('not_found', `run #${runId} has no layer '${layer}' (layers: ${layers.map((l) => l.name).join(', ')})`, { file: project.path });
  }
  return { position, tap: layers[position]!, layers };
}

export function targetCategories(db: Db, runId: number): string[] {
  return readRunCategories(db, runId)
    .filter((c) => c.role === 'target')
    .map((c) => c.name);
}

function requireCategory(project: Project, runId: number, category: string): void {
  const targets = targetCategories(project.db, runId);
  if (!targets.includes(category)) {
    throw new EngineError('not_found', `run #${runId} has no target category '${category}' (targets: ${targets.join(', ')})`, { file: project.path });
  }
}

export function resultsTable(project: Project, runId?: number): ResultsTable {
  const run = runId === undefined ? latestFinishedRun(project.db) : requireFinished(project, runId);
  if (!run) throw new EngineError('not_found', `${project.path}: the project has no finished run yet`, { file: project.path });
  const layers = readRunLayers(project.db, run.id);
  const rows: LayerCategoryRow[] = readLayerResults(project.db, run.id).map((r) => ({
    model: run.model,
    layer: layers[r.position]!.name,
    layerIndex: r.position,
    depth: layers.length > 1 ? r.position / (layers.length - 1) : 0,
    category: r.category,
    units: r.units,
    selective: r.selective,
    proportion: r.units > 0 ? r.selective / r.units : 0,
    metrics: r.metrics,
  }));
  return { run, categories: targetCategories(project.db, run.id), layers: layers.map((l) => l.name), rows };
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export interface UnitsQuery {
  run: number;
  layer: string;
  category: string;
  selectiveOnly?: boolean | undefined;
  channel?: number | undefined;
  sort?: UnitSort | undefined;
  offset: number;
  limit: number;
}

/**
 * A page of units. Candidates are chosen from the smallest data that can answer: a channel is a
 * contiguous slice of every column; CSI order is a stored index, so "top N by CSI" never sorts a layer.
 */
export function unitsPage(project: Project, q: UnitsQuery): UnitsPage {
  requireFinished(project, q.run);
  requireCategory(project, q.run, q.category);
  const { position, tap } = requireLayer(project, q.run, q.layer);
  const db = project.db;
  const hw = tap.height * tap.width;
  const n = tap.channels * hw;
  if (q.channel !== undefined && q.channel >= tap.channels) {
    throw new EngineError('validation', `layer '${q.layer}' has ${tap.channels} channels; channel ${q.channel} does not exist`);
  }
  const start = q.channel === undefined ? 0 : q.channel * hw;
  const count = q.channel === undefined ? n : hw;
  const col = <D extends 'u8' | 'f32' | 'f64' | 'i32'>(name: Parameters<typeof readUnitColumn>[4], dtype: D) => {
    const data = q.channel === undefined ? readUnitColumn(db, q.run, position, q.category, name, dtype) : readUnitColumnSlice(db, q.run, position, q.category, name, dtype, start, count);
    if (!data) throw new EngineError('internal', `run #${q.run} is missing the ${name} column of ${q.layer}/${q.category}`, { file: project.path });
    return data;
  };
  const selective = col('selective', 'u8');
  const sort = q.sort ?? 'csi';
  // Candidate units (global indices) in the requested order.
  let candidates: Int32Array;
  if (sort === 'csi' && q.channel === undefined) {
    const order = col('csi_order', 'i32');
    candidates = q.selectiveOnly ? order.filter((u) => selective[u] === 1) : order;
  } else {
    const local: number[] = [];
    for (let i = 0; i < count; i++) if (!q.selectiveOnly || selective[i] === 1) local.push(i);
    if (sort !== 'unit') {
      const key = col(sort === 'csi' ? 'csi' : 't_min', 'f32');
      const k = (i: number) => (Number.isNaN(key[i]!) ? -Infinity : key[i]!);
      local.sort((a, b) => k(b) - k(a) || a - b);
    }
    candidates = Int32Array.from(local, (i) => i + start);
  }
  const total = candidates.length;
  const page = candidates.subarray(q.offset, q.offset + q.limit);
  if (page.length === 0) return { total, units: [] };
  const csi = col('csi', 'f32');
  const tMin = col('t_min', 'f32');
  const pMax = col('p_max', 'f64');
  const qMax = col('q_max', 'f64');
  const meanTarget = col('mean_target', 'f32');
  const meanOthers = col('mean_others', 'f32');
  const dprime = col('dprime', 'f32');
  const units: UnitRow[] = Array.from(page, (u) => {
    const i = u - start;
    return {
      unit: u,
      channel: Math.floor(u / hw),
      y: Math.floor((u % hw) / tap.width),
      x: u % tap.width,
      selective: selective[i] === 1,
      csi: num(csi[i]!),
      tMin: num(tMin[i]!),
      pMax: num(pMax[i]!),
      qMax: num(qMax[i]!),
      meanTarget: num(meanTarget[i]!),
      meanOthers: num(meanOthers[i]!),
      dprime: num(dprime[i]!),
    };
  });
  return { total, units };
}

export function csiResult(project: Project, runId: number, category: string, layer?: string): CsiResult {
  requireFinished(project, runId);
  requireCategory(project, runId, category);
  if (layer !== undefined) {
    const { position } = requireLayer(project, runId, layer);
    const one = readAggregate<CsiLayerDistribution>(project.db, runId, 'csi', position, category);
    return { run: runId, category, layers: one ? [one] : [] };
  }
  return { run: runId, category, layers: readAggregates<CsiLayerDistribution>(project.db, runId, 'csi', category).map((a) => a.data) };
}

function layerMetrics(project: Project, runId: number, position: number, category: string): Record<string, number | null> {
  return readLayerResults(project.db, runId).find((r) => r.position === position && r.category === category)?.metrics ?? {};
}

export function channelsResult(project: Project, runId: number, layer: string, category: string): ChannelsResult {
  requireFinished(project, runId);
  requireCategory(project, runId, category);
  const { position, tap } = requireLayer(project, runId, layer);
  const channels = readAggregate<ChannelCount[]>(project.db, runId, 'channels', position, category) ?? [];
  const metrics = layerMetrics(project, runId, position, category);
  const channelMetrics = Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith('channel') || k.startsWith('top')));
  return { run: runId, layer, category, unitsPerChannel: tap.height * tap.width, channels, metrics: channelMetrics };
}

export function spatialResult(project: Project, runId: number, layer: string, category: string): SpatialResult {
  requireFinished(project, runId);
  requireCategory(project, runId, category);
  const { position, tap } = requireLayer(project, runId, layer);
  const density = readAggregate<number[]>(project.db, runId, 'density', position, category) ?? [];
  const metrics = layerMetrics(project, runId, position, category);
  const spatialMetrics = Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith('spatial')));
  return { run: runId, layer, category, height: tap.height, width: tap.width, density, metrics: spatialMetrics };
}
