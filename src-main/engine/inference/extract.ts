// Extraction of sufficient statistics (n, mean, M2 per unit and category, float64, Chan et al.'s merge).
// Two precisions (docs/extraction.md has the measurements):
// - float64 (exact, the default): the taps are exposed as graph outputs and each batch is reduced on the
//   host in float64 against the category's running mean (method.md's 1e-9 variance contract);
// - float32 (fused): the graph reduces each tap to per-batch centered sums and sums of squares itself, so
//   only 2 x units per tap leave the runtime (what a GPU wants); the host merges those in float64.
// The runtime lives in a worker thread (its run blocks the thread it runs on), so while it works on batch
// i the main thread preprocesses batch i+1 and reduces batch i-1. Batches hold one category each, in a
// fixed order (category, image id), the first image of every category alone; a resumed run repeats exactly the batches and arithmetic an uninterrupted one runs.
import * as ort from 'onnxruntime-node';
import type { Preprocessing } from '../../contract/preprocessing.ts';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import type { LayerStats, StimulusRef, TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { exposeTensors, fuseStatistics, type FusedTapNames, type StatsPrecision } from '../onnx/rewrite.ts';
import { encodeModel } from '../onnx/proto.ts';
import { batchSizeFor, DEFAULT_MEMORY_BUDGET_MB } from './batching.ts';
import { copyForRewrite, loadModel } from './model-graph.ts';
import { createWorkerSessionFactory } from './ort-worker.ts';
import { preprocessBatch } from './preprocess.ts';
import { modelError, openSession, type SessionFactory, type SessionLike, type TensorLike } from './session.ts';
import { mergeSums, reduceActivations } from './sufficient-stats.ts';
import { emptyLayerStats } from '../stats/sufficient.ts';

/** The default keeps method.md's variance contract and measured no slower on CPU (docs/extraction.md). */
export const DEFAULT_PRECISION: StatsPrecision = 'float64';

/**
 * The runtime in a worker thread, its outputs copied into two shared slots: the pipeline below reduces a
 * batch's outputs before the batch after next starts, and the main thread sees no new 22 MB buffers per
 * image (with transferred buffers, a major GC every few images; measured 0.635 vs 0.595 of plain inference).
 */
const extractionSessionFactory = createWorkerSessionFactory({ outputSlots: 2 });

export interface ExtractionState {
  doneImageIds: number[];
  layers: LayerStats[];
}

export interface ExtractionResult {
  layers: LayerStats[];
  /** Which reduction ran (for the run record). */
  precision: StatsPrecision;
  batchSize: number;
  provider: string;
  providerFallback: string | null;
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
  /** Replaces ORT session creation (provider selection stays the engine's); default: a worker-thread session with shared output slots. */
  sessionFactory?: SessionFactory;
}

interface Batch {
  category: number;
  images: StimulusRef[];
  /** The category's first image, run alone: the fused graph's first shift is zero, so it is centered by itself. */
  first: boolean;
}

/** Images in a fixed order, cut into batches that never cross a category; each category's first image alone. */
export function planBatches(images: readonly StimulusRef[], categories: number, batchSize: number): Batch[] {
  const sorted = [...images].sort((a, b) => a.category - b.category || a.id - b.id);
  const batches: Batch[] = [];
  for (let k = 0; k < categories; k++) {
    const own = sorted.filter((i) => i.category === k);
    if (own.length === 0) continue;
    batches.push({ category: k, images: [own[0]!], first: true });
    for (let s = 1; s < own.length; s += batchSize) batches.push({ category: k, images: own.slice(s, s + batchSize), first: false });
  }
  return batches;
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
  if (loaded.input.batch !== null && loaded.input.batch !== 1) {
    throw new EngineError('unsupported', `${file}: the model's batch size is fixed at ${loaded.input.batch}; re-export it with a dynamic batch (or batch 1)`, { file });
  }
  const layers = options.resume ? options.resume.layers : taps.map((t) => emptyLayerStats(t, categories));
  if (layers.length !== taps.length) throw new EngineError('validation', 'the resume state does not match the taps');
  const rewritten = copyForRewrite(loaded.model);
  const tensors = taps.map((t) => t.tensor);
  const fused = precision === 'float32' ? fuseStatistics(rewritten, tensors) : null;
  if (!fused) exposeTensors(rewritten, tensors);
  const { session, provider, fallback } = await openSession(encodeModel(rewritten), options.provider, file, options.sessionFactory ?? extractionSessionFactory);
  const [height, width] = preprocessing.inputSize;
  const batchSize = loaded.input.batch === 1 ? 1 : options.batchSize ?? batchSizeFor(provider, taps, height * width, options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB, precision);
  const batches = planBatches(options.images, categories, batchSize);
  const runner = new BatchRunner(session, loaded.input.name, height, width, file);
  const reducer: Reducer = fused ? new FusedReducer(runner, fused, taps, layers) : new ActivationReducer(runner, tensors, layers);
  let running: Promise<unknown> | null = null;
  try {
    const done = new Set(options.resume?.doneImageIds ?? []);
    const doneIds: number[] = [...done];
    const total = options.images.length;
    options.onProgress?.(done.size, total);
    // The rate covers the image loop only: loading and rewriting the model is a one-off per run.
    const loopStarted = performance.now();
    let sinceCheckpoint = 0;
    let processed = 0;
    const pending = batches.filter((b) => !b.images.every((i) => done.has(i.id)));
    const finish = async (batch: Batch, outputs: Outputs) => {
      reducer.reduce(batch, outputs);
      for (const img of batch.images) doneIds.push(img.id);
      processed += batch.images.length;
      sinceCheckpoint += batch.images.length;
      options.onProgress?.(doneIds.length, total);
      if (options.onCheckpoint && options.checkpointEvery !== undefined && sinceCheckpoint >= options.checkpointEvery) {
        sinceCheckpoint = 0;
        await options.onCheckpoint({ doneImageIds: [...doneIds], layers });
      }
    };
    // Pipeline: the worker runs batch i while this thread preprocesses batch i+1 and reduces batch i-1.
    let next = pending.length > 0 ? preprocessBatch(pending[0]!.images, preprocessing) : null;
    let previous: { batch: Batch; outputs: Outputs } | null = null;
    for (let i = 0; i < pending.length; i++) {
      throwIfAborted(signal, 'the extraction');
      const batch = pending[i]!;
      const pixels = await next!;
      if (previous && !reducer.overlaps) {
        await finish(previous.batch, previous.outputs);
        previous = null;
      }
      const run = reducer.start(batch, pixels);
      running = run;
      next = i + 1 < pending.length ? preprocessBatch(pending[i + 1]!.images, preprocessing) : null;
      // A failed run or preprocessing surfaces when awaited below; until then it must not count as unhandled.
      run.catch(() => undefined);
      next?.catch(() => undefined);
      if (previous) await finish(previous.batch, previous.outputs);
      previous = { batch, outputs: await run };
      running = null;
    }
    if (previous) {
      throwIfAborted(signal, 'the extraction');
      await finish(previous.batch, previous.outputs);
    }
    const now = performance.now();
    const seconds = (now - started) / 1000;
    return { layers, precision, batchSize, provider, providerFallback: fallback, seconds, imagesPerSecond: processed / Math.max(1e-9, (now - loopStarted) / 1000) };
  } finally {
    // A batch still running (cancel, or an error while reducing) must finish before the session goes.
    if (running) await running.catch(() => undefined);
    await session.release();
  }
}

type Outputs = Record<string, TensorLike>;

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
  /** Whether a batch may start before the previous one is merged (its merge then overlaps the run). */
  readonly overlaps: boolean;
  start(batch: Batch, pixels: Float32Array): Promise<Outputs>;
  /** Merges a finished batch into the statistics. */
  reduce(batch: Batch, outputs: Outputs): void;
}

/** float64: the taps themselves come out, reduced on this thread in float64. */
class ActivationReducer implements Reducer {
  constructor(
    private readonly runner: BatchRunner,
    private readonly tensors: string[],
    private readonly layers: LayerStats[],
  ) {}

  readonly overlaps = true;

  start(batch: Batch, pixels: Float32Array): Promise<Outputs> {
    return this.runner.run(pixels, batch.images.length);
  }

  reduce(batch: Batch, outputs: Outputs): void {
    this.tensors.forEach((t, l) => {
      const data = outputs[t]!.data as Float32Array;
      const units = data.length / batch.images.length;
      reduceActivations(this.layers[l]!, batch.category, batch.images.map((_, b) => data.subarray(b * units, (b + 1) * units)));
    });
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

  start(batch: Batch, pixels: Float32Array): Promise<Outputs> {
    const feeds: Record<string, ort.Tensor> = {};
    this.names.forEach((n, l) => {
      const stats = this.layers[l]!;
      const shift = this.shifts[l]!;
      const units = shift.length;
      if (stats.count[batch.category] === 0) shift.fill(0);
      else shift.set(stats.mean.subarray(batch.category * units, (batch.category + 1) * units));
      feeds[n.shift] = new ort.Tensor('float32', shift, [1, units]);
    });
    return this.runner.run(pixels, batch.images.length, feeds);
  }

  reduce(batch: Batch, outputs: Outputs): void {
    this.names.forEach((n, l) => {
      mergeSums(this.layers[l]!, batch.category, batch.images.length, this.shifts[l]!, outputs[n.sum]!.data as Float32Array, outputs[n.sumSquares]!.data as Float32Array);
    });
  }
}
