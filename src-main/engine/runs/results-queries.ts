// The read side of results: the layer x category table, pages of units and the chart aggregates. Every
// answer is small (aggregates or at most 1,000 units), whatever the size of the run.
import type { LayerCategoryRow, ResultsTable, RunSummary } from '../../contract/types.ts';
import type {
  ChannelsResult,
  CsiResult,
  SpatialResult,
  UnitRow,
  UnitsPage,
  UnitSort,
} from '../../contract/results-types.ts';
import { unreachableThresholds } from '../stats/attainable.ts';
import { EngineError } from '../errors.ts';
import { positionCell, tapPositions, unitChannel, unitPosition, type TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import type { Db } from '../storage/database.ts';
import { getRun, latestFinishedRun } from '../storage/runs-store.ts';
import { csiOrder } from './aggregates.ts';
import { readAggregate, readAggregates, readLayerResults } from '../storage/layer-results-store.ts';
import { readRunCategories, readRunLayers } from '../storage/run-inputs-store.ts';
import { readRecordBytes, readRecords, RECORD_BYTES, unpackRecords, readUnitColumnSlice, type UnitRecord } from '../storage/unit-results-store.ts';

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
  const categories = readRunCategories(project.db, run.id);
  const rows: LayerCategoryRow[] = readLayerResults(project.db, run.id).map((r) => {
    // units, selective and proportion are the row's own columns: the stored metrics repeat them.
    const { units: _units, selectiveCount: _selective, proportion: _proportion, ...metrics } = r.metrics;
    return {
      model: run.model,
      layer: layers[r.position]!.name,
      layerIndex: r.position,
      depth: layers.length > 1 ? r.position / (layers.length - 1) : 0,
      category: r.category,
      units: r.units,
      selective: r.selective,
      proportion: r.units > 0 ? r.selective / r.units : 0,
      images: categories.find((c) => c.name === r.category)?.images ?? 0,
      metrics,
    };
  });
  return {
    run,
    categories: targetCategories(project.db, run.id),
    layers: layers.map((l) => l.name),
    rows,
    images: categories.map((c) => ({ category: c.name, role: c.role, n: c.images })),
    warnings: unreachableThresholds(run.recipe, categories),
  };
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export interface UnitsQuery {
  run: number;
  layer: string;
  category: string;
  selectiveOnly?: boolean | undefined;
  /** Only these channels' units (any order, repeats ignored). */
  channels?: readonly number[] | undefined;
  sort?: UnitSort | undefined;
  offset: number;
  limit: number;
}

function rowOf(r: UnitRecord, tap: TapShape): UnitRow {
  return {
    unit: r.unit,
    channel: unitChannel(tap, r.unit),
    ...positionCell(tap, unitPosition(tap, r.unit)),
    selective: r.selective,
    csi: num(r.csi),
    tMin: num(r.tMin),
    pMax: num(r.pMax),
    qMax: num(r.qMax),
    meanTarget: num(r.meanTarget),
    meanOthers: num(r.meanOthers),
    dprime: num(r.dprime),
  };
}

/** Descending by key with NaN last, ties by unit index: the same order rule as the stored CSI order. */
function byKeyDescending(records: UnitRecord[], key: (r: UnitRecord) => number): UnitRecord[] {
  const k = (r: UnitRecord) => (Number.isNaN(key(r)) ? -Infinity : key(r));
  return records.sort((a, b) => k(b) - k(a) || a.unit - b.unit);
}

/**
 * A page of units. Each query reads the least stored data that answers it: CSI-ordered pages are one
 * substr() of the stored CSI-sorted records (all units, or the selective ones only); the selective units
 * of chosen channels are those stored records filtered by channel; a channel otherwise is a contiguous
 * slice of the unit-order columns; other orders sort the selective records or the channels' units.
 */
export function unitsPage(project: Project, q: UnitsQuery): UnitsPage {
  requireFinished(project, q.run);
  requireCategory(project, q.run, q.category);
  const { position, tap } = requireLayer(project, q.run, q.layer);
  const db = project.db;
  const hw = tapPositions(tap);
  const channels = q.channels === undefined ? undefined : [...new Set(q.channels)].sort((a, b) => a - b);
  const outside = channels?.find((c) => c >= tap.channels);
  if (outside !== undefined) {
    throw new EngineError('validation', `layer '${q.layer}' has ${tap.channels} channels; channel ${outside} does not exist`);
  }
  const sort = q.sort ?? 'csi';
  const missing = (what: string) => new EngineError('internal', `run #${q.run} is missing the ${what} of ${q.layer}/${q.category}`, { file: project.path });
  const records = (name: 'csi_sorted' | 'selective_sorted', first: number, count: number) => {
    const r = readRecords(db, q.run, position, q.category, name, first, count);
    if (!r) throw missing(name);
    return r;
  };
  const page = (all: UnitRecord[]): UnitsPage => ({ total: all.length, units: all.slice(q.offset, q.offset + q.limit).map((r) => rowOf(r, tap)) });

  if (channels === undefined) {
    if (sort === 'csi') {
      const r = records(q.selectiveOnly ? 'selective_sorted' : 'csi_sorted', q.offset, q.limit);
      return { total: r.total, units: r.records.map((x) => rowOf(x, tap)) };
    }
    if (q.selectiveOnly) return selectivePage(project, q, position, tap, sort);
    const n = tap.channels * hw;
    if (sort === 'unit') {
      // Consecutive units: the same range of every column.
      const first = Math.min(q.offset, n);
      return { total: n, units: channelRecords(db, q, position, first, Math.min(q.limit, n - first)).map((r) => rowOf(r, tap)) };
    }
    // Every unit by t: a full sort of the layer (rare; the UI sorts selective units).
    return page(byKeyDescending(channelRecords(db, q, position, 0, n), (r) => r.tMin));
  }
  if (tap.layout === 'tokens') {
    // Token layouts interleave channels (u = t*C + c): a channel is every C-th unit, not a slice. Reads the
    // layer's units (a transformer layer is small: ViT-B/16's 151,296) and keeps the chosen channels',
    // channel after channel in unit order.
    const chosen = new Set(channels);
    let all = channelRecords(db, q, position, 0, tap.channels * hw).filter((r) => chosen.has(unitChannel(tap, r.unit)));
    if (q.selectiveOnly) all = all.filter((r) => r.selective);
    if (sort === 'unit') all.sort((a, b) => unitChannel(tap, a.unit) - unitChannel(tap, b.unit) || a.unit - b.unit);
    else byKeyDescending(all, sort === 'csi' ? (r) => r.csi : (r) => r.tMin);
    return page(all);
  }
  if (q.selectiveOnly && sort !== 'unit') {
    const filtered = recordsInChannels(project, q, position, tap, sort === 'csi' ? 'selective_sorted' : 'selective_by_t', channels);
    if (filtered) return filtered;
    if (sort === 'csi') throw missing('selective_sorted');
  }
  if (sort === 'unit' && !q.selectiveOnly) {
    // The channels' units in unit order: channel after channel, each a contiguous range of the columns.
    const total = channels.length * hw;
    const end = Math.min(total, q.offset + q.limit);
    const units: UnitRow[] = [];
    for (let i = Math.floor(q.offset / hw); i * hw < end; i++) {
      const from = Math.max(q.offset, i * hw) - i * hw;
      const to = Math.min(end, (i + 1) * hw) - i * hw;
      for (const r of channelRecords(db, q, position, channels[i]! * hw + from, to - from)) units.push(rowOf(r, tap));
    }
    return { total, units };
  }
  let all = channels.flatMap((c) => channelRecords(db, q, position, c * hw, hw));
  if (q.selectiveOnly) all = all.filter((r) => r.selective);
  if (sort !== 'unit') byKeyDescending(all, sort === 'csi' ? (r) => r.csi : (r) => r.tMin);
  return page(all);
}

/**
 * The selective units of some channels in a stored order (CSI or t): the stored records whose unit lies
 * in one of them, read once and scanned for their unit index; only the page is decoded. Undefined when
 * the run has no such records (runs stored before selective_by_t existed).
 */
function recordsInChannels(project: Project, q: UnitsQuery, position: number, tap: TapShape, name: 'selective_sorted' | 'selective_by_t', channels: readonly number[]): UnitsPage | undefined {
  const bytes = readRecordBytes(project.db, q.run, position, q.category, name);
  if (!bytes) return undefined;
  const chosen = new Uint8Array(tap.channels);
  for (const c of channels) chosen[c] = 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: number[] = [];
  for (let i = 0; i < bytes.byteLength / RECORD_BYTES; i++) if (chosen[unitChannel(tap, view.getInt32(i * RECORD_BYTES, true))]) kept.push(i);
  const units = kept.slice(q.offset, q.offset + q.limit).map((i) => rowOf(unpackRecords(bytes.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES))[0]!, tap));
  return { total: kept.length, units };
}

/**
 * Selective units in t or unit order. Only the sort keys are pulled out of the stored records (no
 * object per unit); two native typed-array sorts order them (unit order, then key descending with NaN
 * last and ties by unit, via the same packed sort as the CSI order); only the page is decoded.
 */
function selectivePage(project: Project, q: UnitsQuery, position: number, tap: TapShape, sort: 'csi' | 't' | 'unit'): UnitsPage {
  if (sort === 't') {
    // Stored in t order at the end of the run: one chunk read per page.
    const r = readRecords(project.db, q.run, position, q.category, 'selective_by_t', q.offset, q.limit);
    if (r) return { total: r.total, units: r.records.map((x) => rowOf(x, tap)) };
  }
  const bytes = readRecordBytes(project.db, q.run, position, q.category, 'selective_sorted');
  if (!bytes) throw new EngineError('internal', `run #${q.run} is missing the selective records of ${q.layer}/${q.category}`, { file: project.path });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / RECORD_BYTES;
  // Record indices in unit order: pack (unit, record index) into one exact float64 and sort.
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = view.getInt32(i * RECORD_BYTES, true) * scale + i;
  packed.sort();
  const byUnit = Int32Array.from(packed, (v) => v % scale);
  let order: ArrayLike<number> = byUnit;
  if (sort !== 'unit') {
    const at = sort === 't' ? 12 : 8;
    const keys = Float32Array.from(byUnit, (i) => view.getFloat32(i * RECORD_BYTES + at, true));
    const ranked = csiOrder(keys); // positions in unit order, by key descending, NaN last, ties by unit
    order = Int32Array.from(ranked, (j) => byUnit[j]!);
  }
  const units: UnitRow[] = [];
  const end = Math.min(n, q.offset + q.limit);
  for (let k = q.offset; k < end; k++) {
    const i = order[k]!;
    units.push(rowOf(unpackRecords(bytes.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES))[0]!, tap));
  }
  return { total: n, units };
}

/** Units [first, first + count) in unit order, from slices of the unit-order columns. */
function channelRecords(db: Project['db'], q: UnitsQuery, position: number, first: number, count: number): UnitRecord[] {
  if (count <= 0) return [];
  const slice = <D extends 'u8' | 'f32' | 'f64'>(name: Parameters<typeof readUnitColumnSlice>[4], dtype: D) => {
    const data = readUnitColumnSlice(db, q.run, position, q.category, name, dtype, first, count);
    if (!data) throw new EngineError('internal', `run #${q.run} is missing the ${name} column of ${q.layer}/${q.category}`);
    return data;
  };
  const selective = slice('selective', 'u8');
  const csi = slice('csi', 'f32');
  const tMin = slice('t_min', 'f32');
  const pMax = slice('p_max', 'f64');
  const qMax = slice('q_max', 'f64');
  const meanTarget = slice('mean_target', 'f32');
  const meanOthers = slice('mean_others', 'f32');
  const dprime = slice('dprime', 'f32');
  return Array.from({ length: selective.length }, (_, i) => ({
    unit: first + i,
    selective: selective[i] === 1,
    csi: csi[i]!,
    tMin: tMin[i]!,
    pMax: pMax[i]!,
    qMax: qMax[i]!,
    meanTarget: meanTarget[i]!,
    meanOthers: meanOthers[i]!,
    dprime: dprime[i]!,
  }));
}

export function csiResult(project: Project, runId: number, category: string, layer?: string): CsiResult {
  requireFinished(project, runId);
  requireCategory(project, runId, category);
  if (layer !== undefined) {
    const { position } = requireLayer(project, runId, layer);
    const one = readAggregate(project.db, runId, 'csi', position, category);
    return { run: runId, category, layers: one ? [one] : [] };
  }
  return { run: runId, category, layers: readAggregates(project.db, runId, 'csi', category).map((a) => a.data) };
}

/** A finished run's layer for one target category, with the layer metrics named with one of `prefixes`. */
function layerOfCategory(project: Project, runId: number, layer: string, category: string, prefixes: readonly string[]) {
  requireFinished(project, runId);
  requireCategory(project, runId, category);
  const { position, tap } = requireLayer(project, runId, layer);
  const all = readLayerResults(project.db, runId).find((r) => r.position === position && r.category === category)?.metrics ?? {};
  const metrics = Object.fromEntries(Object.entries(all).filter(([k]) => prefixes.some((p) => k.startsWith(p))));
  return { position, tap, metrics };
}

export function channelsResult(project: Project, runId: number, layer: string, category: string): ChannelsResult {
  const { position, tap, metrics } = layerOfCategory(project, runId, layer, category, ['channel', 'top']);
  const channels = readAggregate(project.db, runId, 'channels', position, category) ?? [];
  return { run: runId, layer, category, unitsPerChannel: tapPositions(tap), layout: tap.layout ?? 'chw', channels, metrics };
}

export function spatialResult(project: Project, runId: number, layer: string, category: string): SpatialResult {
  const { position, tap, metrics } = layerOfCategory(project, runId, layer, category, ['spatial']);
  const density = readAggregate(project.db, runId, 'density', position, category) ?? [];
  return { run: runId, layer, category, height: tap.height, width: tap.width, layout: tap.layout ?? 'chw', extraTokens: tap.extraTokens ?? 0, density, metrics };
}
