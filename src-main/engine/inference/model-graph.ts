// Loading a model for inference: parse with clear errors, inline external data (sessions are created
// from rewritten bytes), check the image input, and probe tensor shapes by running one blank image.
import * as ort from 'onnxruntime-node';
import type { TapShape } from '../pipeline-types.ts';
import { EngineError } from '../errors.ts';
import { autoTapCandidates, imageInput, nameCandidates, type ImageInput } from '../onnx/inspect.ts';
import { inlineExternalData, readModelFile } from '../onnx/read.ts';
import { exposeTensors } from '../onnx/rewrite.ts';
import { encodeModel, type ModelProto } from '../onnx/proto.ts';
import { modelError, openSession } from './session.ts';

export interface LoadedModel {
  file: string;
  model: ModelProto;
  input: ImageInput;
}

export function loadModel(file: string, size?: readonly [number, number]): LoadedModel {
  const model = readModelFile(file);
  const input = imageInput(model, file, size);
  inlineExternalData(model, file);
  return { file, model, input };
}

/**
 * A copy to rewrite: rewrites only append to the graph's lists and replace its outputs, so copying the
 * lists suffices (the weights are shared, never copied: a structured clone would duplicate every buffer).
 */
export function copyForRewrite(model: ModelProto): ModelProto {
  const g = model.graph!;
  return {
    ...model,
    graph: { ...g, node: [...(g.node ?? [])], initializer: [...(g.initializer ?? [])], input: [...(g.input ?? [])], output: [...(g.output ?? [])] },
  };
}

/**
 * Shapes (without the batch axis) of the given tensors, from one CPU run on a blank image. Also proves
 * that the model loads and runs, so bad models fail here with one clear message.
 */
export async function probeShapes(loaded: LoadedModel, tensors: readonly string[]): Promise<Map<string, number[]>> {
  const copy = copyForRewrite(loaded.model);
  exposeTensors(copy, tensors);
  const { session } = await openSession(encodeModel(copy), 'cpu', loaded.file);
  try {
    const { height, width } = loaded.input;
    const batch = loaded.input.batch ?? 1;
    const input = new ort.Tensor('float32', new Float32Array(batch * 3 * height * width), [batch, 3, height, width]);
    let out: Record<string, { dims: readonly number[] }>;
    try {
      out = await session.run({ [loaded.input.name]: input });
    } catch (error) {
      throw modelError(error, loaded.file);
    }
    const shapes = new Map<string, number[]>();
    for (const t of tensors) {
      const dims = out[t]?.dims;
      if (!dims) throw new EngineError('not_found', `${loaded.file}: the model has no tensor named '${t}'`, { file: loaded.file });
      shapes.set(t, dims.slice(1).map(Number));
    }
    return shapes;
  } finally {
    await session.release();
  }
}

/** C x H x W of a tensor shape without batch: [C,H,W] as is, [D] as D x 1 x 1, [L, D] as L x 1 x D. */
export function toTapShape(name: string, tensor: string, dims: number[], file: string): TapShape {
  if (dims.length === 3) return { name, tensor, channels: dims[0]!, height: dims[1]!, width: dims[2]! };
  if (dims.length === 1) return { name, tensor, channels: dims[0]!, height: 1, width: 1 };
  if (dims.length === 2) return { name, tensor, channels: dims[0]!, height: 1, width: dims[1]! };
  throw new EngineError('unsupported', `${file}: tensor '${tensor}' has shape [N, ${dims.join(', ')}]; a tap must be N x C x H x W, N x L x D or N x D`, { file });
}

/** Resolves taps: auto-tap (stem, residual blocks, final pooling) or tensor names given by hand. */
export async function resolveTaps(loaded: LoadedModel, taps: 'auto' | readonly string[]): Promise<TapShape[]> {
  if (taps === 'auto') {
    const candidates = autoTapCandidates(loaded.model);
    if (candidates.length === 0) {
      throw new EngineError('validation', `${loaded.file}: no residual blocks (a Relu fed by an Add) were found to tap; name the tensors to tap by hand`, { file: loaded.file });
    }
    const shapes = await probeShapes(loaded, candidates.map((c) => c.tensor));
    const names = nameCandidates(candidates, (t) => shapes.get(t)![0]!);
    return candidates.map((c, i) => toTapShape(names[i]!, c.tensor, shapes.get(c.tensor)!, loaded.file));
  }
  const known = new Set((loaded.model.graph?.node ?? []).flatMap((n) => n.output ?? []));
  for (const t of taps) {
    if (!known.has(t)) throw new EngineError('not_found', `${loaded.file}: the model has no tensor named '${t}'`, { file: loaded.file });
  }
  const shapes = await probeShapes(loaded, taps);
  // Hand taps keep the friendly name auto-tap would give them when it knows the tensor.
  const auto = autoTapCandidates(loaded.model);
  const autoNames = auto.length > 0 ? nameCandidates(auto, (t) => (shapes.get(t) ?? [0])[0]!) : [];
  const friendly = new Map(auto.map((c, i) => [c.tensor, autoNames[i]!]));
  return taps.map((t) => toTapShape(friendly.get(t) ?? t, t, shapes.get(t)!, loaded.file));
}
