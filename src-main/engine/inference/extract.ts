// Extraction of sufficient statistics (n, mean, M2 per unit and category, float64, Chan et al.'s merge).
// Two precisions (docs/extraction.md has the measurements):
// - float64 (exact, the default): the taps are exposed as graph outputs and each batch is reduced on the
//   host in float64 against the category's running mean (docs/method.md#sufficient-statistics: the 1e-9 variance contract);
// - float32 (fused): the graph reduces each tap to per-batch centered sums and sums of squares itself, so
//   only 2 x units per tap leave the runtime (what a GPU wants); the host merges those in float64.
// The runtime lives in a worker thread (its run blocks the thread it runs on), so while it works on one
// run the main thread preprocesses the next and merges the last finished group. Images are merged in
// groups that hold one category each, in a fixed order (category, image id), the first image of every
// category alone; a group is one run of the runtime, or on the CPU several single-image runs (the runtime
// is fastest one image at a time there, the float64 merge several at a time). A resumed run repeats exactly
// the groups and arithmetic an uninterrupted one runs.
import * as ort from 'onnxruntime-node';
import type { Preprocessing } from '../../contract/preprocessing.ts';
import type { ExecutionProviderChoice, StatsPrecision } from '../../contract/recipe.ts';
import type { LayerStats, StimulusRef, TapRowSink, TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { batchFirstTensors, exposeTensorsInOrder, fuseStatistics, type FusedTapNames } from '../onnx/rewrite.ts';
import { encodeModel } from '../onnx/proto.ts';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import { batchSizeFor, runsPerGroupFor } from './batching.ts';
import { copyForRewrite, loadModel } from './model-graph.ts';
import { createWorkerSessionFactory, type WorkerSessionOptions } from './ort-worker.ts';
import { preprocessBatch } from './preprocess.ts';
import type { ProviderAttempt } from '../../contract/run-manifest.ts';
import { modelError, openSession, type ConcreteProvider, type SessionFactory, type SessionLike, type TensorLike } from './session.ts';
import { countMerged, mergeActivationRange, mergeSums } from './sufficient-stats.ts';
import { emptyLayerStats } from '../stats/sufficient.ts';

/** The default keeps docs/method.md#sufficient-statistics's variance contract and measured no slower on CPU (docs/extraction.md). */
export const DEFAULT_PRECISION: StatsPrecision = 'float64';

/** Images per runtime call, and runtime calls merged at once (several only for single-image runs). */
export interface RunLayout {
  batchSize: number;
  runsPerGroup: number;
}

/**
 * The worker's output slots for a layout: one per run of two merge groups (one group is merged while the
 * next runs), so the main thread sees no new 22 MB buffers per image (with transferred buffers, a major GC
 * every few images; measured 0.635 vs 0.595 of plain inference). Taps of single-image runs have a known
 * size, so their slots are mapped when the session opens; other outputs are sized on first use.
 */
export function outputSlotsFor(layout: RunLayout, outputs: GraphOutputs, taps: readonly TapShape[]): WorkerSessionOptions {
  const exposed = 'exposed' in outputs && layout.batchSize === 1 ? outputs.exposed : [];
  return { outputSlots: 2 * layout.runsPerGroup, slotBytes: Object.fromEntries(exposed.map((name, l) => [name, tapUnits(taps[l]!) * 4])) };
}

/** What the rewritten graph outputs: each tap's centered sums (float32), or each tap itself under a name. */
export type GraphOutputs = { fused: FusedTapNames[] } | { exposed: string[] };

export interface ExtractionState {
  doneImageIds: number[];
  layers: LayerStats[];
}

export interface ExtractionResult {
  layers: LayerStats[];
  /** Which reduction ran (for the run record). */
  precision: StatsPrecision;
  batchSize: number;
  /** Images merged into the statistics at once (a multiple of batchSize, or a category's remainder). */
  groupSize: number;
  provider: string;
  providerFallback: string | null;
  /** Every provider tried, in order, and why each one not used was skipped or failed. */
  providerAttempts: ProviderAttempt[];
  seconds: number;
  imagesPerSecond: number;
}

export interface ExtractionOptions {
  modelPath: string;
  preprocessing: Preprocessing;
  inputName: string;
  taps: TapShape[];
  images: StimulusRef[];
  /** Number of categories K; image categories index 0..K-1. */
  categories: number;
  provider: ExecutionProviderChoice;
  batchSize?: number;
  /** Runs merged at once on the host (float64 at batch 1); default from the memory budget. */
  runsPerGroup?: number;
  memoryBudgetMB?: number;
  signal?: AbortSignal;
  onProgress?: (doneImages: number, totalImages: number) => void;
  /** Call onCheckpoint after at least this many images since the last one (at batch boundaries). */
  checkpointEvery?: number;
  onCheckpoint?: (state: ExtractionState) => Promise<void> | void;
  resume?: ExtractionState;
  /**
   * float64 (default, exact): taps reduced on the host in float64, variance within ~1e-15 relative.
   * float32 (fused): the graph sums centered values in float32, M2 within ~1e-6 relative; moves 2 x units
   * per tap and batch out of the runtime instead of B x units.
   */
  precision?: StatsPrecision;
  /** Receives each image's tap outputs as they come out of the runtime (float64 path only: the fused graph never exposes them). */
  rows?: TapRowSink;
  /** Replaces ORT session creation (provider selection stays the engine's); default: a worker-thread session with shared output slots. */
  sessionFactory?: SessionFactory;
}

/** Images merged into the statistics at once. */
interface Group {
  category: number;
  images: StimulusRef[];
  /** The category's first image, run alone: the fused graph's first shift is zero, so it is centered by itself. */
  first: boolean;
}

/** One run of the runtime: a group, or a slice of one. */
interface Step {
  group: Group;
  images: StimulusRef[];
  /** Runs of its group from this one to the last, this one included (1: once it returns, the group is complete). */
  left: number;
}

/** Images in a fixed order, cut into groups that never cross a category; each category's first image alone. */
export function planGroups(images: readonly StimulusRef[], categories: number, groupSize: number): Group[] {
  const sorted = [...images].sort((a, b) => a.category - b.category || a.id - b.id);
  const groups: Group[] = [];
  for (let k = 0; k < categories; k++) {
    const own = sorted.filter((i) => i.category === k);
    if (own.length === 0) continue;
    groups.push({ category: k, images: [own[0]!], first: true });
    for (let s = 1; s < own.length; s += groupSize) groups.push({ category: k, images: own.slice(s, s + groupSize), first: false });
  }
  return groups;
}

/**
 * The groups still to merge, cut into runs of `batchSize`. Images already done are left out: a run resumed
 * from this version's checkpoints (taken between groups) never meets a half-done group, but one
 * checkpointed with other group sizes must not count an image twice.
 */
function planSteps(groups: readonly Group[], done: ReadonlySet<number>, batchSize: number): Step[] {
  const steps: Step[] = [];
  for (const planned of groups) {
    const group = { ...planned, images: planned.images.filter((i) => !done.has(i.id)) };
    const runs = Math.ceil(group.images.length / batchSize);
    for (let r = 0; r < runs; r++) steps.push({ group, images: group.images.slice(r * batchSize, (r + 1) * batchSize), left: runs - r });
  }
  return steps;
}

export async function extractSufficientStats(options: ExtractionOptions): Promise<ExtractionResult> {
  const started = performance.now();
  const { taps, preprocessing, categories, signal } = options;
  const precision = options.precision ?? DEFAULT_PRECISION;
  const file = options.modelPath;
  for (const img of options.images) {
    if (!Number.isInteger(img.category) || img.category < 0 || img.category >= categories) {
      throw new EngineError('validation', `image ${img.id} (${img.path}) has category ${img.category}, outside 0..${categories - 1}`, { file: img.path });
    }
  }
  const loaded = loadModel(file, preprocessing.inputSize);
  if (loaded.input.name !== options.inputName) {
    throw new EngineError('validation', `${file}: the model's image input is '${loaded.input.name}', not '${options.inputName}' (the file changed?)`, { file });
  }
  const layers = options.resume ? options.resume.layers : taps.map((t) => emptyLayerStats(t, categories));
  if (layers.length !== taps.length) throw new EngineError('validation', 'the resume state does not match the taps');
  const rewritten = copyForRewrite(loaded.model);
  const tensors = batchFirstTensors(rewritten, taps);
  const graphOutputs: GraphOutputs = precision === 'float32' ? { fused: fuseStatistics(rewritten, tensors) } : { exposed: exposeTensorsInOrder(rewritten, tensors) };
  const [height, width] = preprocessing.inputSize;
  const budgetMB = options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  // The batch depends on the provider that loads, and the worker's slots on the batch: the default factory
  // asks for the layout of the provider it is opening.
  const layoutFor = (provider: ConcreteProvider): RunLayout => {
    const batchSize = loaded.input.batch === 1 ? 1 : options.batchSize ?? batchSizeFor(provider, taps, height * width, budgetMB, precision);
    // Several runs per group only where runs are single images of the exact path.
    const runsPerGroup = 'fused' in graphOutputs || batchSize > 1 ? 1 : options.runsPerGroup ?? runsPerGroupFor(taps, budgetMB);
    return { batchSize, runsPerGroup };
  };
  const factory = options.sessionFactory ?? ((model: Uint8Array, provider: ConcreteProvider) => createWorkerSessionFactory(outputSlotsFor(layoutFor(provider), graphOutputs, taps))(model, provider));
  const { session, provider, fallback, attempts } = await openSession(encodeModel(rewritten), options.provider, file, factory);
  const { batchSize, runsPerGroup: wantedRuns } = layoutFor(provider);
  // Never more runs per group than the session keeps outputs alive for: a group's outputs are merged while
  // the next group runs, so two groups' worth.
  const runsPerGroup = Math.max(1, Math.min(wantedRuns, Math.floor((session.outputSlots ?? Infinity) / 2)));
  const groupSize = batchSize * runsPerGroup;
  const groups = planGroups(options.images, categories, groupSize);
  const runner = new BatchRunner(session, loaded.input.name, height, width, file);
  const reducer: Reducer = 'fused' in graphOutputs ? new FusedReducer(runner, graphOutputs.fused, taps, layers) : new ActivationReducer(runner, graphOutputs.exposed, layers);
  let running: Promise<unknown> | null = null;
  // The next batch's preprocessing reads image files ahead of the run; it must settle before we return.
  let next: Promise<Float32Array> | null = null;
  try {
    const done = new Set(options.resume?.doneImageIds ?? []);
    const doneIds: number[] = [...done];
    const total = options.images.length;
    options.onProgress?.(done.size, total);
    // The rate covers the image loop only: loading and rewriting the model is a one-off per run.
    const loopStarted = performance.now();
    let sinceCheckpoint = 0;
    let processed = 0;
    const steps = planSteps(groups, done, batchSize);
    const finish = async ({ group }: Merge) => {
      for (const img of group.images) doneIds.push(img.id);
      processed += group.images.length;
      sinceCheckpoint += group.images.length;
      options.onProgress?.(doneIds.length, total);
      if (options.onCheckpoint && options.checkpointEvery !== undefined && sinceCheckpoint >= options.checkpointEvery) {
        sinceCheckpoint = 0;
        await options.onCheckpoint({ doneImageIds: [...doneIds], layers });
      }
    };
    // Pipeline: the worker runs step i while this thread preprocesses step i+1 and merges a share of the
    // last complete group: all of it on the fused path (whose next run needs the merged mean), else an even
    // share over the current group's runs, so the merge never stalls the runtime and is done by the time
    // this group completes.
    next = steps.length > 0 ? preprocessBatch(steps[0]!.images, preprocessing) : null;
    let merging: Merge | null = null;
    let collected: Outputs[] = [];
    for (let i = 0; i < steps.length; i++) {
      throwIfAborted(signal, 'the extraction');
      const step = steps[i]!;
      const pixels = await next!;
      if (merging && !reducer.overlaps) {
        reducer.merge(merging, 1);
        await finish(merging);
        merging = null;
      }
      const run = reducer.start(step.group, pixels, step.images.length);
      running = run;
      next = i + 1 < steps.length ? preprocessBatch(steps[i + 1]!.images, preprocessing) : null;
      // A failed run or preprocessing surfaces when awaited below; until then it must not count as unhandled.
      run.catch(() => undefined);
      next?.catch(() => undefined);
      if (merging && reducer.merge(merging, 1 / step.left)) {
        await finish(merging);
        merging = null;
      }
      const outputs = await run;
      running = null;
      if (options.rows && 'exposed' in graphOutputs) passRows(options.rows, graphOutputs.exposed, taps, step.images, outputs);
      collected.push(outputs);
      if (step.left === 1) {
        merging = { group: step.group, runs: collected, merged: 0 };
        collected = [];
      }
    }
    if (merging) {
      throwIfAborted(signal, 'the extraction');
      reducer.merge(merging, 1);
      await finish(merging);
    }
    const now = performance.now();
    const seconds = (now - started) / 1000;
    return { layers, precision, batchSize, groupSize, provider, providerFallback: fallback, providerAttempts: attempts, seconds, imagesPerSecond: processed / Math.max(1e-9, (now - loopStarted) / 1000) };
  } finally {
    // A batch still running (cancel, or an error while reducing) must finish before the session goes.
    if (running) await running.catch(() => undefined);
    // An error or a cancel may leave the read-ahead in flight: files stay open until it settles.
    if (next) await next.catch(() => undefined);
    await session.release();
  }
}

type Outputs = Record<string, TensorLike>;

/** Hands each image's row of every exposed tap to the sink, before the worker reuses the output slot. */
function passRows(sink: TapRowSink, exposed: readonly string[], taps: readonly TapShape[], images: readonly StimulusRef[], outputs: Outputs): void {
  exposed.forEach((name, l) => {
    const data = outputs[name]!.data as Float32Array;
    const units = tapUnits(taps[l]!);
    images.forEach((img, b) => sink.take(l, img.id, data.subarray(b * units, (b + 1) * units)));
  });
}

/** A group whose runs have all returned, their outputs in run order, being merged. */
interface Merge {
  group: Group;
  runs: Outputs[];
  /** How much is merged, in the reducer's units of work (the activation reducer: units of all taps). */
  merged: number;
}

/** Runs one batch tensor (plus extra feeds) through the session, errors worded for the model file. */
class BatchRunner {
  constructor(
    private readonly session: SessionLike,
    private readonly inputName: string,
    private readonly height: number,
    private readonly width: number,
    private readonly file: string,
  ) {}

  async run(pixels: Float32Array, images: number, extra: Record<string, ort.Tensor> = {}): Promise<Outputs> {
    const feeds: Record<string, ort.Tensor> = { [this.inputName]: new ort.Tensor('float32', pixels, [images, 3, this.height, this.width]), ...extra };
    try {
      return await this.session.run(feeds);
    } catch (error) {
      throw modelError(error, this.file);
    }
  }
}

interface Reducer {
  /** Whether a run may start before the previous group is merged (its merge then overlaps the run). */
  readonly overlaps: boolean;
  start(group: Group, pixels: Float32Array, images: number): Promise<Outputs>;
  /** Merges `share` (0..1] of what is left of a complete group into the statistics; true once all of it is. */
  merge(merge: Merge, share: number): boolean;
}

/** float64: the taps themselves come out, reduced on this thread in float64. */
class ActivationReducer implements Reducer {
  constructor(
    private readonly runner: BatchRunner,
    private readonly tensors: string[],
    private readonly layers: LayerStats[],
  ) {
    this.totalUnits = layers.reduce((sum, stats) => sum + tapUnits(stats.tap), 0);
  }

  private readonly totalUnits: number;

  readonly overlaps = true;

  start(_group: Group, pixels: Float32Array, images: number): Promise<Outputs> {
    return this.runner.run(pixels, images);
  }

  /** Work is counted in units, over the taps in order; each tap's count is raised once all taps are merged. */
  merge(merge: Merge, share: number): boolean {
    const end = share >= 1 ? this.totalUnits : Math.min(this.totalUnits, merge.merged + Math.ceil((this.totalUnits - merge.merged) * share));
    let tapStart = 0;
    this.tensors.forEach((t, l) => {
      const stats = this.layers[l]!;
      const units = tapUnits(stats.tap);
      const from = Math.max(merge.merged, tapStart) - tapStart;
      const to = Math.min(end, tapStart + units) - tapStart;
      tapStart += units;
      if (from >= to) return;
      const rows = merge.runs.flatMap((outputs) => {
        const data = outputs[t]!.data as Float32Array;
        return Array.from({ length: data.length / units }, (_, b) => data.subarray(b * units, (b + 1) * units));
      });
      mergeActivationRange(stats, merge.group.category, rows, from, to);
    });
    merge.merged = end;
    if (end < this.totalUnits) return false;
    for (const stats of this.layers) countMerged(stats, merge.group.category, merge.group.images.length);
    return true;
  }
}

/**
 * float32: the graph reduces each tap to sums centered on the category's running mean (rounded to float32;
 * zero for a category's first image, which runs alone and so is its mean exactly). The shift depends on
 * every earlier batch, so a batch starts only once the previous one is merged (no overlap of the merge),
 * and a resumed run feeds exactly the shifts an uninterrupted one does.
 */
class FusedReducer implements Reducer {
  readonly overlaps = false;
  private readonly shifts: Float32Array[];

  constructor(
    private readonly runner: BatchRunner,
    private readonly names: FusedTapNames[],
    taps: TapShape[],
    private readonly layers: LayerStats[],
  ) {
    this.shifts = taps.map((t) => new Float32Array(tapUnits(t)));
  }

  start(group: Group, pixels: Float32Array, images: number): Promise<Outputs> {
    const feeds: Record<string, ort.Tensor> = {};
    this.names.forEach((n, l) => {
      const stats = this.layers[l]!;
      const shift = this.shifts[l]!;
      const units = shift.length;
      if (stats.count[group.category] === 0) shift.fill(0);
      else shift.set(stats.mean.subarray(group.category * units, (group.category + 1) * units));
      feeds[n.shift] = new ort.Tensor('float32', shift, [1, units]);
    });
    return this.runner.run(pixels, images, feeds);
  }

  /** One run per group on this path (runsPerGroup is 1 for fused statistics), merged whole. */
  merge({ group, runs }: Merge): boolean {
    const outputs = runs[0]!;
    this.names.forEach((n, l) => {
      mergeSums(this.layers[l]!, group.category, group.images.length, this.shifts[l]!, outputs[n.sum]!.data as Float32Array, outputs[n.sumSquares]!.data as Float32Array);
    });
    return true;
  }
}
