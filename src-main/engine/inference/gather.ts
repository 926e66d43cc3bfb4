// Per-image responses of chosen units, gathered in-graph: the model is rewritten once with a Gather of
// every tap whose unit indices are inputs, so one session serves every request (taps not asked for get an
// empty index list and cost nothing). Images are fed in batches sized to the memory budget.
import * as ort from 'onnxruntime-node';
import type { Preprocessing } from '../../contract/preprocessing.ts';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import type { ResponseGatherer, StimulusRef, TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { appendGathers, batchFirstTensors } from '../onnx/rewrite.ts';
import { encodeModel } from '../onnx/proto.ts';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import { copyForRewrite, loadModel } from './model-graph.ts';
import { preprocessFile } from './preprocess.ts';
import { modelError, openSession, type SessionFactory, type SessionLike } from './session.ts';

export interface GathererOptions {
  modelPath: string;
  preprocessing: Preprocessing;
  inputName: string;
  taps: TapShape[];
  /** Rows come back in this order. */
  images: StimulusRef[];
  provider: ExecutionProviderChoice;
  memoryBudgetMB?: number;
  sessionFactory?: SessionFactory;
}

export interface ClosableResponseGatherer extends ResponseGatherer {
  /** The provider that runs the gathers and why another was not used. */
  readonly provider: string;
  readonly providerFallback: string | null;
  /** Largest number of units one gather call may ask for under the memory budget (callers slice). */
  maxUnitsPerCall(): number;
  /**
   * Several taps' units in one pass over the images (one result per request, images x units each): what
   * one layer at a time would cost in passes, once. The caller keeps the requests within its budget.
   */
  gatherLayers(requests: readonly { tap: string; units: Int32Array }[], signal?: AbortSignal): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export async function createResponseGatherer(options: GathererOptions): Promise<ClosableResponseGatherer> {
  const loaded = loadModel(options.modelPath, options.preprocessing.inputSize);
  const model = copyForRewrite(loaded.model);
  const names = appendGathers(model, batchFirstTensors(model, options.taps));
  const opened = await openSession(encodeModel(model), options.provider, options.modelPath, options.sessionFactory);
  const session: SessionLike = opened.session;
  const [height, width] = options.preprocessing.inputSize;
  const plane = 3 * height * width;
  const budget = (options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB) * 1024 * 1024;
  const biggestTap = Math.max(...options.taps.map(tapUnits));
  // The runtime holds the biggest tap per image while gathering; half the budget goes to the result.
  const batch = loaded.input.batch === 1 ? 1 : Math.max(1, Math.min(32, Math.floor(budget / 2 / ((biggestTap * 3 + plane) * 4))));
  const empty = new ort.Tensor('int64', new BigInt64Array(0), [0]);
  let closed = false;

  async function gatherLayers(requests: readonly { tap: string; units: Int32Array }[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (closed) throw new EngineError('internal', 'the response gatherer is closed');
    const fed = new Map<number, number>();
    const indices = requests.map(({ tap: tapName, units }, r) => {
      const l = options.taps.findIndex((t) => t.name === tapName || t.tensor === tapName);
      if (l < 0) throw new EngineError('not_found', `no tap '${tapName}' in ${options.modelPath}`, { file: options.modelPath });
      if (fed.has(l)) throw new EngineError('internal', `tap ${tapName} asked for twice in one gather`);
      fed.set(l, r);
      const n = tapUnits(options.taps[l]!);
      for (const u of units) if (u < 0 || u >= n) throw new EngineError('validation', `unit ${u} is outside tap ${tapName} (0..${n - 1})`);
      return new ort.Tensor('int64', BigInt64Array.from(units, (u) => BigInt(u)), [units.length]);
    });
    const outs = requests.map(({ units }) => new Float32Array(options.images.length * units.length));
    for (let start = 0; start < options.images.length; start += batch) {
      throwIfAborted(signal, 'gathering responses');
      const chunk = options.images.slice(start, start + batch);
      const data = new Float32Array(chunk.length * plane);
      await Promise.all(chunk.map((img, b) => preprocessFile(img.path, options.preprocessing, data, b * plane)));
      const feeds: Record<string, ort.Tensor> = { [loaded.input.name]: new ort.Tensor('float32', data, [chunk.length, 3, height, width]) };
      names.forEach((name, i) => {
        const r = fed.get(i);
        feeds[name.indices] = r === undefined ? empty : indices[r]!;
      });
      let result: Awaited<ReturnType<SessionLike['run']>>;
      try {
        result = await session.run(feeds);
      } catch (error) {
        throw modelError(error, options.modelPath);
      }
      for (const [l, r] of fed) outs[r]!.set(result[names[l]!.output]!.data as Float32Array, start * requests[r]!.units.length);
    }
    return outs;
  }

  return {
    images: options.images,
    provider: opened.provider,
    providerFallback: opened.fallback,
    maxUnitsPerCall: () => Math.max(1, Math.floor(budget / 2 / (4 * Math.max(1, options.images.length)))),
    async gather(tapName, units, signal) {
      return (await gatherLayers([{ tap: tapName, units }], signal))[0]!;
    },
    gatherLayers,
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
