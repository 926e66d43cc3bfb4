// Layer and run analysis: recipes -> per-unit results -> layer metrics. Pure computation over sufficient
// statistics; per-image data (ranksum-maxp only) comes through a ResponseGatherer in slices.
import { needsPerImage, ranksAcrossLayers, type RecipeSettings } from '../../contract/recipe-table.ts';
import { throwIfAborted } from '../errors.ts';
import { WorkerPool, workerCount } from '../module-worker.ts';
import type { CategoryDef, LayerAnalysis, LayerStats, ResponseGatherer, TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { csiOrder, layerAggregates, type LayerAggregates } from './aggregates.ts';
import { layerAnalysis } from './layer-metrics.ts';
import { rankSumMaxP, type RankSumOptions } from './ranksum.ts';
import { topKMasks, unitResults, type PerImageEvidence } from './recipes.ts';

/** Analyzes one layer. ranksum-maxp needs `perImage` (see rankSumMaxP); every other recipe does not. */
export function analyzeLayer(stats: LayerStats, categories: readonly CategoryDef[], recipe: RecipeSettings, perImage?: PerImageEvidence): LayerAnalysis {
  return layerAnalysis(stats, categories, unitResults(stats, categories, recipe, perImage ? { perImage } : {}));
}

/** What storing one target of a layer needs beyond its results: the units by CSI and the chart aggregates. */
export interface StorableTarget {
  csiOrder: Int32Array;
  aggregates: LayerAggregates;
}

/** A layer's analysis with each target's StorableTarget (in the order of `analysis.units`). */
export interface AnalyzedLayer {
  analysis: LayerAnalysis;
  targets: StorableTarget[];
}

/**
 * The analysis with what storing it needs, computed here: on a worker, the sorts behind the CSI order and
 * the quartiles run beside the next layers' analyses instead of on the thread that writes the project.
 */
export function storableAnalysis(analysis: LayerAnalysis): AnalyzedLayer {
  return {
    analysis,
    targets: analysis.units.map((r) => ({ csiOrder: csiOrder(Float32Array.from(r.csi)), aggregates: layerAggregates(analysis, r) })),
  };
}

/**
 * Bytes a layer's analysis holds per unit and target until it is stored: the UnitResults (a mask and
 * three float64 columns, 25 bytes) and the CSI order (int32).
 */
const ANALYSED_BYTES_PER_UNIT_TARGET = 29;

export interface AnalyzeRunOptions extends RankSumOptions {
  /** Called after each layer with its index (progress). */
  onLayer?: (index: number, total: number) => void;
}

/**
 * Analyzes every layer of a run. top-k with topkScope 'global' selects the top k % across all layers
 * together; ranksum-maxp gathers per-image responses through `gatherer` (required then).
 */
export async function analyzeRun(
  layers: readonly LayerStats[],
  categories: readonly CategoryDef[],
  recipe: RecipeSettings,
  gatherer?: ResponseGatherer,
  options: AnalyzeRunOptions = {},
): Promise<LayerAnalysis[]> {
  if (recipe.recipe === 'ranksum-maxp' && !gatherer) throw new RangeError('ranksum-maxp needs per-image responses: no ResponseGatherer was given');
  const globalTopK = ranksAcrossLayers(recipe);
  const perLayer = [];
  for (let l = 0; l < layers.length; l++) {
    const stats = layers[l]!;
    const perImage = recipe.recipe === 'ranksum-maxp' ? { rankSumMaxP: await rankSumMaxP(stats, gatherer!, options) } : undefined;
    perLayer.push(unitResults(stats, categories, recipe, { ...(perImage ? { perImage } : {}), deferTopK: globalTopK }));
    options.onLayer?.(l + 1, layers.length);
  }
  if (globalTopK && perLayer.length > 0) {
    const targets = perLayer[0]!.length;
    for (let c = 0; c < targets; c++) {
      const masks = topKMasks(
        perLayer.map((rs) => rs[c]!.tMin),
        recipe.topk,
      );
      perLayer.forEach((rs, l) => rs[c]!.selective.set(masks[l]!));
    }
  }
  return perLayer.map((rs, l) => layerAnalysis(layers[l]!, categories, rs));
}

/** One layer of analyzeLayers: its position in the run (whatever the caller numbers it by) and shape. */
export interface LayerJob {
  position: number;
  tap: TapShape;
}

export interface AnalyzeLayersOptions {
  signal?: AbortSignal;
  /**
   * Worker threads. Default: one per core when the layers hold at least PARALLEL_MIN_UNITS units (a
   * worker costs a few hundred ms to start), else none (this thread does it all).
   */
  workers?: number;
  /**
   * Memory for the layers out at once (sent to a worker, waiting, or being stored), estimated from their
   * units: more layers go out only within it, but one always does. Default DEFAULT_LAYERS_BUDGET.
   */
  budgetBytes?: number;
}

/** 640 MiB when the caller gives no budget (a run gives its memory budget): three of ResNet-50's largest blocks (802,816 units, 6 categories, 4 targets: 170 MB each) at once. */
const DEFAULT_LAYERS_BUDGET = 640 * 2 ** 20;

/** Below this many units in all the layers together, analyzeLayers stays on the calling thread. */
const PARALLEL_MIN_UNITS = 1_000_000;

/** What crosses to an analysis worker (analyze-worker.ts). */
export interface AnalyzeTask {
  stats: LayerStats;
  categories: readonly CategoryDef[];
  recipe: RecipeSettings;
}

/**
 * Analyzes layers one by one, each independently (every recipe but ranksum-maxp and the global top-k,
 * which need per-image data or every layer at once: analyzeRun), spread over worker threads: `load`
 * and `store` run here, in job order, while the workers analyse the next layers, so reading and writing
 * the project overlaps the computation. Results are identical to analyzeLayer's (the same code runs in
 * the workers). `signal` is checked before each layer is sent and before each is stored.
 */
export async function analyzeLayers(
  jobs: readonly LayerJob[],
  load: (job: LayerJob) => LayerStats,
  categories: readonly CategoryDef[],
  recipe: RecipeSettings,
  store: (job: LayerJob, analyzed: AnalyzedLayer) => void | Promise<void>,
  options: AnalyzeLayersOptions = {},
): Promise<void> {
  if (needsPerImage(recipe) || ranksAcrossLayers(recipe)) {
    throw new RangeError(`${recipe.recipe}${recipe.recipe === 'top-k' ? ' (global)' : ''} analyses all layers together: use analyzeRun`);
  }
  const units = jobs.reduce((sum, job) => sum + tapUnits(job.tap), 0);
  const workers = options.workers ?? (units >= PARALLEL_MIN_UNITS ? workerCount() : 0);
  if (workers <= 0) {
    for (const job of jobs) {
      throwIfAborted(options.signal, 'the analysis');
      await store(job, storableAnalysis(analyzeLayer(load(job), categories, recipe)));
      // Let cancellation and progress messages through between layers.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return;
  }
  const pool = new WorkerPool<AnalyzeTask, AnalyzedLayer>(new URL('./analyze-worker.ts', import.meta.url), workers);
  // Each analysis settles into a value or an error so none is left unhandled while another is awaited.
  type Settled = { analyzed: AnalyzedLayer } | { error: unknown };
  const queue: { job: LayerJob; statsBytes: number; resultBytes: number; settled: Promise<Settled> }[] = [];
  const budget = options.budgetBytes ?? DEFAULT_LAYERS_BUDGET;
  const targets = categories.filter((c) => c.role === 'target').length;
  // Layers sent out or being stored, in estimated bytes: statistics (mean, M2) until the layer comes
  // back, and results (ANALYSED_BYTES_PER_UNIT_TARGET) until it is stored.
  let held = 0;
  let next = 0;
  const fill = () => {
    while (next < jobs.length && queue.length < pool.size) {
      const job = jobs[next]!;
      const statsBytes = tapUnits(job.tap) * 16 * categories.length;
      const resultBytes = tapUnits(job.tap) * ANALYSED_BYTES_PER_UNIT_TARGET * targets;
      // Always one layer out, however large; more only within the budget.
      if (held > 0 && held + statsBytes + resultBytes > budget) return;
      throwIfAborted(options.signal, 'the analysis');
      next++;
      held += statsBytes + resultBytes;
      const task: AnalyzeTask = { stats: load(job), categories, recipe };
      queue.push({ job, statsBytes, resultBytes, settled: pool.run(task).then((analyzed) => ({ analyzed }), (error: unknown) => ({ error })) });
    }
  };
  try {
    fill();
    while (queue.length > 0) {
      const { job, statsBytes, resultBytes, settled } = queue.shift()!;
      const outcome = await settled;
      held -= statsBytes;
      if ('error' in outcome) throw outcome.error;
      // The next layers go out before this one is stored, so the workers stay busy meanwhile.
      fill();
      throwIfAborted(options.signal, 'the analysis');
      await store(job, outcome.analyzed);
      held -= resultBytes;
      fill();
    }
  } finally {
    await pool.close();
  }
}

/** Every buffer behind an analysis's arrays, once each: a worker moves them back instead of copying. */
export function analysisBuffers({ analysis, targets }: AnalyzedLayer): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView) => {
    if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  };
  for (const r of analysis.units) for (const v of Object.values(r)) if (ArrayBuffer.isView(v)) add(v);
  for (const a of [...Object.values(analysis.density), ...Object.values(analysis.channelCounts)]) add(a);
  for (const t of targets) add(t.csiOrder);
  return [...buffers];
}
