// Runs a (rewritten) model on preprocessed image batches with extra named inputs (ablation masks and
// fills) and returns its outputs as float32. The ablation analysis lives outside this folder, and only
// this folder may construct ORT tensors, hence this small runner.
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import { modelError, openSession, type SessionFactory, type SessionLike } from './session.ts';

export interface FeedTensor {
  type: 'float32' | 'bool';
  /** bool tensors take one byte per element (0 or 1). */
  data: Float32Array | Uint8Array;
  dims: number[];
}

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelRunner {
  readonly provider: string;
  readonly fallback: string | null;
  /** `pixels`: batch x 3 x H x W preprocessed images. Returns the requested float outputs. */
  run(pixels: Float32Array, batch: number, extra: Record<string, FeedTensor>): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

export interface RunnerOptions {
  inputName: string;
  inputSize: readonly [number, number];
  /** Outputs to fetch; each must be float32. */
  outputs: readonly string[];
  provider: ExecutionProviderChoice;
  /** For tests: replaces ORT session creation. */
  sessionFactory?: SessionFactory;
}

export async function openModelRunner(model: Uint8Array, file: string, options: RunnerOptions): Promise<ModelRunner> {
  const { session, provider, fallback } = await openSession(model, options.provider, file, options.sessionFactory);
  const [height, width] = options.inputSize;
  return {
    provider,
    fallback,
    async run(pixels, batch, extra) {
      const feeds: Record<string, ort.Tensor> = { [options.inputName]: new ort.Tensor('float32', pixels, [batch, 3, height, width]) };
      for (const [name, t] of Object.entries(extra)) feeds[name] = t.type === 'bool' ? new ort.Tensor('bool', t.data as Uint8Array, t.dims) : new ort.Tensor('float32', t.data as Float32Array, t.dims);
      let out: Awaited<ReturnType<SessionLike['run']>>;
      try {
        out = await session.run(feeds);
      } catch (error) {
        throw modelError(error, file);
      }
      const result: Record<string, OutputTensor> = {};
      for (const name of options.outputs) {
        const t = out[name];
        if (!t) throw new EngineError('internal', `${file}: the model did not return output '${name}'`, { file });
        if (t.type !== 'float32') throw new EngineError('unsupported', `${file}: output '${name}' is ${t.type}; the ablation measures need a float32 output`, { file });
        result[name] = { data: t.data as Float32Array, dims: t.dims };
      }
      return result;
    },
    release: () => session.release(),
  };
}
