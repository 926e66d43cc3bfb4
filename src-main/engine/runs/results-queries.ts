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
import { readAggregate, readAggregates, readLayerResults } from '../storage/layer-results-store.ts';
import { readRunCategories, readRunLayers } from '../storage/run-inputs-store.ts';
import { readOrder, type UnitOrder, type UnitRecord } from '../storage/unit-results-store.ts';
import { UnitValues } from './unit-values.ts';

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
    dprimeSecond: num(r.dprimeSecond),
    meanPairT: num(r.meanPairT),
  };
}

/** Descending by key with NaN last, ties by unit index: the same order rule as the stored CSI order. */
function byKeyDescending(records: UnitRecord[], key: (r: UnitRecord) => number): UnitRecord[] {
  const k = (r: UnitRecord) => (Number.isNaN(key(r)) ? -Infinity : key(r));
  return records.sort((a, b) => k(b) - k(a) || a.unit - b.unit);
}

/**
 * A page of units. Each query reads the least stored data that answers it: pages in a stored order (all
 * units or the selective ones by CSI, the selective ones by t) read one chunk of that order and the
 * records of its units; the selective units of chosen channels are that order filtered by channel; a
 * channel otherwise is a run of consecutive records; other orders sort the channels' units.
 */
export function unitsPage(project: Project, q: UnitsQuery): UnitsPage {
  requireFinished(project, q.run);
  requireCategory(project, q.run, q.category);
  const { position, tap } = requireLayer(project, q.run, q.layer);
  const hw = tapPositions(tap);
  const channels = q.channels === undefined ? undefined : [...new Set(q.channels)].sort((a, b) => a - b);
  const outside = channels?.find((c) => c >= tap.channels);
  if (outside !== undefined) {
    throw new EngineError('validation', `layer '${q.layer}' has ${tap.channels} channels; channel ${outside} does not exist`);
  }
  const sort = q.sort ?? 'csi';
  const stored = new StoredUnits(project, q, position);
  const page = (all: UnitRecord[]): UnitsPage => ({ total: all.length, units: all.slice(q.offset, q.offset + q.limit).map((r) => rowOf(r, tap)) });

  if (channels === undefined) {
    if (sort === 'csi' || (sort === 't' && q.selectiveOnly)) {
      const r = stored.ordered(!q.selectiveOnly ? 'csi_order' : sort === 'csi' ? 'selective_csi' : 'selective_t', q.offset, q.limit);
      return { total: r.total, units: r.records.map((x) => rowOf(x, tap)) };
    }
    if (q.selectiveOnly) {
      // Selective units in unit order: the stored list, sorted.
      const units = stored.order('selective_csi').sort();
      return { total: units.length, units: stored.at(units.subarray(q.offset, q.offset + q.limit)).map((r) => rowOf(r, tap)) };
    }
    const n = tap.channels * hw;
    if (sort === 'unit') {
      // Consecutive units: consecutive records.
      const first = Math.min(q.offset, n);
      return { total: n, units: stored.range(first, Math.min(q.limit, n - first)).map((r) => rowOf(r, tap)) };
    }
    // Every unit by t: a full sort of the layer (rare; the UI sorts selective units).
    return page(byKeyDescending(stored.range(0, n), (r) => r.tMin));
  }
  if (tap.layout === 'tokens') {
    // Token layouts interleave channels (u = t*C + c): a channel is every C-th unit, not a slice. Reads the
    // layer's units (a transformer layer is small: ViT-B/16's 151,296) and keeps the chosen channels',
    // channel after channel in unit order.
    const chosen = new Set(channels);
    let all = stored.range(0, tap.channels * hw).filter((r) => chosen.has(unitChannel(tap, r.unit)));
    if (q.selectiveOnly) all = all.filter((r) => r.selective);
    if (sort === 'unit') all.sort((a, b) => unitChannel(tap, a.unit) - unitChannel(tap, b.unit) || a.unit - b.unit);
    else byKeyDescending(all, sort === 'csi' ? (r) => r.csi : (r) => r.tMin);
    return page(all);
  }
  if (q.selectiveOnly && sort !== 'unit') {
    // The selective units of the channels in a stored order: the order's units that lie in one of them.
    const chosen = new Uint8Array(tap.channels);
    for (const c of channels) chosen[c] = 1;
    const kept = stored.order(sort === 'csi' ? 'selective_csi' : 'selective_t').filter((u) => chosen[unitChannel(tap, u)] === 1);
    return { total: kept.length, units: stored.at(kept.subarray(q.offset, q.offset + q.limit)).map((r) => rowOf(r, tap)) };
  }
  if (sort === 'unit' && !q.selectiveOnly) {
    // The channels' units in unit order: channel after channel, each a run of consecutive records.
    const total = channels.length * hw;
    const end = Math.min(total, q.offset + q.limit);
    const units: UnitRow[] = [];
    for (let i = Math.floor(q.offset / hw); i * hw < end; i++) {
      const from = Math.max(q.offset, i * hw) - i * hw;
      const to = Math.min(end, (i + 1) * hw) - i * hw;
      for (const r of stored.range(channels[i]! * hw + from, to - from)) units.push(rowOf(r, tap));
    }
    return { total, units };
  }
  let all = channels.flatMap((c) => stored.range(c * hw, hw));
  if (q.selectiveOnly) all = all.filter((r) => r.selective);
  if (sort !== 'unit') byKeyDescending(all, sort === 'csi' ? (r) => r.csi : (r) => r.tMin);
  return page(all);
}

/** One (run, layer, category)'s stored units, each read failing with the same message when missing. */
class StoredUnits {
  private readonly values: UnitValues;

  constructor(
    private readonly project: Project,
    private readonly q: UnitsQuery,
    private readonly position: number,
  ) {
    this.values = new UnitValues(project, q.run);
  }

  private missing(what: string): EngineError {
    return new EngineError('internal', `run #${this.q.run} is missing the ${what} of ${this.q.layer}/${this.q.category}`, { file: this.project.path });
  }

  /** A whole stored order. */
  order(name: UnitOrder): Int32Array {
    const r = readOrder(this.project.db, this.q.run, this.position, this.q.category, name);
    if (!r) throw this.missing(name);
    return r.units;
  }

  /** Records [first, first + count) of a stored order, and the order's length. */
  ordered(name: UnitOrder, first: number, count: number): { total: number; records: UnitRecord[] } {
    const r = this.values.ordered(this.position, this.q.category, name, first, count);
    if (!r) throw this.missing(name);
    return r;
  }

  /** The records of these units, in the order given. */
  at(units: ArrayLike<number>): UnitRecord[] {
    const r = this.values.at(this.position, this.q.category, units);
    if (!r) throw this.missing('unit records');
    return r;
  }

  /** Units [first, first + count) in unit order. */
  range(first: number, count: number): UnitRecord[] {
    const r = this.values.range(this.position, this.q.category, first, count);
    if (!r) throw this.missing('unit records');
    return r;
  }
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
