// Extraction with fused statistics: the model graph is rewritten so the runtime reduces every tapped
// tensor to per-batch centered sums and sums of squares; the host merges batches in float64 with
// Chan et al.'s parallel update. Batches hold one category each, in a fixed order (category, image id),
// and the first image of every category runs alone to give that category's shift (x - shift keeps the
// variance out of float cancellation), so a resumed run repeats exactly the batches an uninterrupted one runs.
import * as ort from 'onnxruntime-node';
import type { Preprocessing } from '../../contract/preprocessing.ts';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import type { LayerStats, StimulusRef, TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { fuseStatistics, type FusedTapNames, type StatsPrecision } from '../onnx/rewrite.ts';
import { encodeModel } from '../onnx/proto.ts';
import { batchSizeFor, DEFAULT_MEMORY_BUDGET_MB } from './batching.ts';
import { copyForRewrite, loadModel } from './model-graph.ts';
import { preprocessFile } from './preprocess.ts';
import { modelError, openSession, type SessionFactory, type SessionLike } from './session.ts';

export interface ExtractionState {
  doneImageIds: number[];
  layers: LayerStats[];
}

export interface ExtractionResult {
  layers: LayerStats[];
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
   * In-graph arithmetic. float64 (default): the taps are cast and reduced in double, so per-batch sums are
   * exact to ~1e-15 and resumed runs repeat bit for bit. float32: cheaper passes, M2 within ~1e-5 relative.
   */
  precision?: StatsPrecision;
  /** For tests: replaces ORT session creation (provider selection stays the engine's). */
  sessionFactory?: SessionFactory;
}

interface Batch {
  category: number;
  images: StimulusRef[];
  /** The category's first image, run alone to fix its shift. */
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

function emptyStats(tap: TapShape, categories: number): LayerStats {
  const units = tapUnits(tap);
  return { tap, count: new Float64Array(categories), mean: new Float64Array(categories * units), m2: new Float64Array(categories * units) };
}

type Sums = Float32Array | Float64Array;

/** Chan et al.: merges a batch (n_b, shift + S1/n_b, S2 - S1^2/n_b) into category k of `stats`, in float64. */
export function mergeBatch(stats: LayerStats, k: number, nb: number, shift: Sums, s1: Sums, s2: Sums): void {
  const units = tapUnits(stats.tap);
  const n = stats.count[k]!;
  const total = n + nb;
  const wb = nb / total;
  const cross = (n * nb) / total;
  const base = k * units;
  const mean = stats.mean;
  const m2 = stats.m2;
  for (let u = 0; u < units; u++) {
    const a = s1[u]!;
    const meanB = shift[u]! + a / nb;
    // One value has no spread; for more, rounding can only push S2 - S1^2/n below zero by an ulp.
    const m2b = nb === 1 ? 0 : Math.max(0, s2[u]! - (a * a) / nb);
    const i = base + u;
    const delta = meanB - mean[i]!;
    mean[i] = mean[i]! + delta * wb;
    m2[i] = m2[i]! + m2b + delta * delta * cross;
  }
  stats.count[k] = total;
}

export async function extractSufficientStats(options: ExtractionOptions): Promise<ExtractionResult> {
  const started = performance.now();
  const { taps, preprocessing, categories, signal } = options;
  const precision = options.precision ?? 'float64';
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
  const rewritten = copyForRewrite(loaded.model);
  const names = fuseStatistics(rewritten, taps.map((t) => t.tensor), precision);
  const bytes = encodeModel(rewritten);
  const { session, provider, fallback } = await openSession(bytes, options.provider, file, options.sessionFactory);
  let inFlight: Promise<RunOutput> | null = null;
  try {
    const [height, width] = preprocessing.inputSize;
    const pixels = height * width;
    const batchSize = loaded.input.batch === 1 ? 1 : options.batchSize ?? batchSizeFor(taps, pixels, options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB, precision === 'float64' ? 8 : 4);
    const batches = planBatches(options.images, categories, batchSize);
    const layers = options.resume ? options.resume.layers : taps.map((t) => emptyStats(t, categories));
    if (layers.length !== taps.length) throw new EngineError('validation', 'the resume state does not match the taps');
    const done = new Set(options.resume?.doneImageIds ?? []);
    const doneIds: number[] = [...done];
    const total = options.images.length;
    options.onProgress?.(done.size, total);
    // The rate covers the image loop only: loading and rewriting the model is a one-off per run.
    const loopStarted = performance.now();

    const runner = new BatchRunner(session, loaded.input.name, names, taps, height, width, preprocessing, precision, file);
    const shifts = new Map<number, Sums[]>();
    let sinceCheckpoint = 0;
    let processed = 0;
    const pending = batches.filter((b) => !b.images.every((i) => done.has(i.id)));
    // Pipeline: while the runtime works on one batch, the host merges the previous one.
    let inFlightBatch: Batch | null = null;
    const start = async (batch: Batch): Promise<RunOutput> => {
      let shift = shifts.get(batch.category);
      if (!batch.first && !shift) {
        // Resumed mid-category: recover the shift from the category's first image (not re-counted).
        const first = batches.find((b) => b.first && b.category === batch.category)!;
        shift = (await runner.run(first.images, null)).s1;
        shifts.set(batch.category, shift);
      }
      return runner.run(batch.images, batch.first ? null : shift!);
    };
    for (let i = 0; i <= pending.length; i++) {
      throwIfAborted(signal, 'the extraction');
      const batch = pending[i];
      let output: RunOutput | null = null;
      if (inFlight) output = await inFlight;
      const finished = inFlightBatch;
      // A category's first batch fixes its shift before the next batch of that category can start.
      if (finished?.first && output) shifts.set(finished.category, output.s1);
      inFlight = batch ? start(batch) : null;
      inFlightBatch = batch ?? null;
      if (finished && output) {
        const nb = finished.images.length;
        taps.forEach((_, l) => mergeBatch(layers[l]!, finished.category, nb, finished.first ? output.zero[l]! : shifts.get(finished.category)![l]!, output.s1[l]!, output.s2[l]!));
        for (const img of finished.images) doneIds.push(img.id);
        processed += nb;
        sinceCheckpoint += nb;
        options.onProgress?.(doneIds.length, total);
        if (options.onCheckpoint && options.checkpointEvery !== undefined && sinceCheckpoint >= options.checkpointEvery) {
          sinceCheckpoint = 0;
          await options.onCheckpoint({ doneImageIds: [...doneIds], layers });
        }
      }
    }
    const now = performance.now();
    const seconds = (now - started) / 1000;
    return { layers, provider, providerFallback: fallback, seconds, imagesPerSecond: processed / Math.max(1e-9, (now - loopStarted) / 1000) };
  } finally {
    // A batch still running (cancel, or an error while merging) must finish before the session goes.
    if (inFlight) await (inFlight as Promise<RunOutput>).catch(() => undefined);
    await session.release();
  }
}

interface RunOutput {
  s1: Sums[];
  s2: Sums[];
  /** Zero shifts, for a category's first image (run uncentered). */
  zero: Sums[];
}

class BatchRunner {
  private readonly zeroShifts: Sums[];

  constructor(
    private readonly session: SessionLike,
    private readonly inputName: string,
    private readonly names: FusedTapNames[],
    taps: TapShape[],
    private readonly height: number,
    private readonly width: number,
    private readonly preprocessing: Preprocessing,
    private readonly precision: StatsPrecision,
    private readonly file: string,
  ) {
    this.zeroShifts = taps.map((t) => (precision === 'float64' ? new Float64Array(tapUnits(t)) : new Float32Array(tapUnits(t))));
  }

  async run(images: StimulusRef[], shift: Sums[] | null): Promise<RunOutput> {
    const plane = 3 * this.height * this.width;
    const data = new Float32Array(images.length * plane);
    await Promise.all(images.map((img, b) => preprocessFile(img.path, this.preprocessing, data, b * plane).catch((error: unknown) => {
      throw new EngineError('bad_input', `${img.path}: cannot read the image (${(error as Error).message})`, { file: img.path, cause: error });
    })));
    const feeds: Record<string, ort.Tensor> = { [this.inputName]: new ort.Tensor('float32', data, [images.length, 3, this.height, this.width]) };
    const shifts = shift ?? this.zeroShifts;
    this.names.forEach((n, l) => {
      const s = shifts[l]!;
      feeds[n.shift] = this.precision === 'float64' ? new ort.Tensor('float64', s as Float64Array, [1, s.length]) : new ort.Tensor('float32', s as Float32Array, [1, s.length]);
    });
    let out: Awaited<ReturnType<SessionLike['run']>>;
    try {
      out = await this.session.run(feeds);
    } catch (error) {
      throw modelError(error, this.file);
    }
    const s1 = this.names.map((n) => out[n.sum]!.data as Sums);
    const s2 = this.names.map((n) => out[n.sumSquares]!.data as Sums);
    return { s1, s2, zero: this.zeroShifts };
  }
}
