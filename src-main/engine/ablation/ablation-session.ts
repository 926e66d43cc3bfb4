// One ORT session for a whole ablation study: the model rewritten once (graph-ablation.ts) and run with a
// different mask per unit set. Evaluation images are preprocessed once and kept while they fit the memory
// budget (every pass reads them again: 2 + R passes), else decoded again per pass.
import type { Preprocessing } from '../../contract/preprocessing.ts';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { openModelRunner, type ModelRunner } from '../inference/feed-runner.ts';
import { copyForRewrite, loadModel, probeUnitDims } from '../inference/model-graph.ts';
import { preprocessFile } from '../inference/preprocess.ts';
import type { SessionFactory } from '../inference/session.ts';
import { encodeModel } from '../onnx/proto.ts';
import type { StimulusRef } from '../pipeline-types.ts';
import { insertAblation } from './graph-ablation.ts';
import { unitMask } from './unit-sets.ts';

export const DEFAULT_IMAGE_CACHE_MB = 1024;

/** Preprocessed evaluation images in fixed batches, cached while they fit `cacheMB`. */
export class ImageBatches {
  private readonly cache = new Map<number, Float32Array>();
  private readonly cacheable: boolean;
  readonly plane: number;

  constructor(
    readonly images: readonly StimulusRef[],
    readonly preprocessing: Preprocessing,
    readonly batchSize: number,
    cacheMB = DEFAULT_IMAGE_CACHE_MB,
  ) {
    const [h, w] = preprocessing.inputSize;
    this.plane = 3 * h * w;
    this.cacheable = images.length * this.plane * 4 <= cacheMB * 1024 * 1024;
  }

  get count(): number {
    return Math.ceil(this.images.length / this.batchSize);
  }

  /** Images [start, end) of batch b. */
  range(b: number): [number, number] {
    return [b * this.batchSize, Math.min(this.images.length, (b + 1) * this.batchSize)];
  }

  async pixels(b: number): Promise<Float32Array> {
    const cached = this.cache.get(b);
    if (cached) return cached;
    const [start, end] = this.range(b);
    const data = new Float32Array((end - start) * this.plane);
    await Promise.all(
      this.images.slice(start, end).map((img, i) =>
        preprocessFile(img.path, this.preprocessing, data, i * this.plane).catch((error: unknown) => {
          throw new EngineError('bad_input', `${img.path}: cannot read the image (${(error as Error).message})`, { file: img.path, cause: error });
        }),
      ),
    );
    if (this.cacheable) this.cache.set(b, data);
    return data;
  }
}

export interface AblationSessionOptions {
  modelPath: string;
  preprocessing: Preprocessing;
  inputName: string;
  /** The tapped tensor whose units are replaced. */
  tensor: string;
  provider: ExecutionProviderChoice;
  sessionFactory?: SessionFactory;
}

export class AblationSession {
  private constructor(
    private readonly runner: ModelRunner,
    readonly unitDims: number[],
    readonly units: number,
    readonly outputName: string,
    private readonly maskName: string,
    private readonly fillName: string,
  ) {}

  get provider(): string {
    return this.runner.provider;
  }

  get fallback(): string | null {
    return this.runner.fallback;
  }

  static async open(options: AblationSessionOptions): Promise<AblationSession> {
    const file = options.modelPath;
    const loaded = loadModel(file, options.preprocessing.inputSize);
    if (loaded.input.name !== options.inputName) {
      throw new EngineError('validation', `${file}: the model's image input is '${loaded.input.name}', not '${options.inputName}' (the file changed?)`, { file });
    }
    const outputName = loaded.model.graph?.output?.[0]?.name;
    if (!outputName) throw new EngineError('bad_input', `${file}: the model has no output`, { file });
    // Batch-first: the unit dims; sequence-first (L x N x D): L x 1 x D, which broadcasts over the batch the same way.
    const dims = await probeUnitDims(loaded, options.tensor);
    const rewritten = copyForRewrite(loaded.model);
    const names = insertAblation(rewritten, options.tensor, dims);
    // Only the model's own first output is fetched (ORT prunes the rest of the graph).
    rewritten.graph!.output = [rewritten.graph!.output![0]!];
    const runner = await openModelRunner(encodeModel(rewritten), file, {
      inputName: options.inputName,
      inputSize: options.preprocessing.inputSize,
      outputs: [outputName],
      provider: options.provider,
      ...(options.sessionFactory ? { sessionFactory: options.sessionFactory } : {}),
    });
    const units = dims.reduce((a, b) => a * b, 1);
    return new AblationSession(runner, dims, units, outputName, names.mask, names.fill);
  }

  /**
   * The model's output for every image with `ablate` (flat unit indices; empty = intact) replaced by
   * `fill` (one value per unit of the layer). Returns images x width, row-major, as the model gave it.
   */
  async outputs(batches: ImageBatches, ablate: ArrayLike<number>, fill: Float32Array, options: { signal?: AbortSignal | undefined; onBatch?: (images: number) => void } = {}): Promise<{ data: Float32Array; width: number }> {
    if (fill.length !== this.units) throw new RangeError(`the fill has ${fill.length} values; the layer has ${this.units} units`);
    const mask = { type: 'bool' as const, data: unitMask(this.units, ablate), dims: this.unitDims };
    const fillFeed = { type: 'float32' as const, data: fill, dims: this.unitDims };
    let data: Float32Array | null = null;
    let width = 0;
    for (let b = 0; b < batches.count; b++) {
      throwIfAborted(options.signal, 'the ablation');
      const [start, end] = batches.range(b);
      const out = (await this.runner.run(await batches.pixels(b), end - start, { [this.maskName]: mask, [this.fillName]: fillFeed }))[this.outputName]!;
      if (!data) {
        width = out.dims.slice(1).reduce((a, c) => a * c, 1);
        data = new Float32Array(batches.images.length * width);
      }
      data.set(out.data.subarray(0, (end - start) * width), start * width);
      options.onBatch?.(end - start);
    }
    return { data: data ?? new Float32Array(0), width };
  }

  release(): Promise<void> {
    return this.runner.release();
  }
}
