// Loading a model for inference: parse with clear errors, inline external data (sessions are created
// from rewritten bytes), check the image input, and probe tensor shapes by running one blank image.
import * as ort from 'onnxruntime-node';
import type { TapShape } from '../pipeline-types.ts';
import { EngineError } from '../errors.ts';
import { imageInput, type ImageInput } from '../onnx/inspect.ts';
import { checkOperators } from '../onnx/operators.ts';
import { detectTaps, tensorChannelAxis } from '../onnx/taps/detect.ts';
import { buildPlan, selectTaps, tapOfProbed, type ProbedShape, type TapPlan } from '../onnx/taps/plan.ts';
import { missingWeights, zeroFillWeights } from '../onnx/weights.ts';
import { externalDataFiles, inlineExternalData, readModelFile, type ExternalDataFile } from '../onnx/read.ts';
import { exposeTensors } from '../onnx/rewrite.ts';
import { encodeModel, toNumber, type ModelProto, type NodeProto } from '../onnx/proto.ts';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import { modelError, openSession } from './session.ts';

export interface LoadedModel {
  file: string;
  /** The model with its external-data weights read in (`externalData` says from where). */
  model: ModelProto;
  input: ImageInput;
  /** The external-data files the .onnx names: they go wherever a copy of the model goes. */
  externalData: readonly ExternalDataFile[];
}

export function loadModel(file: string, size?: readonly [number, number]): LoadedModel {
  const model = readModelFile(file);
  const input = imageInput(model, file, size);
  // Every run, gather and probe feeds one image or a batch of its own choosing: a batch fixed at more
  // than one image fits none of them (and probing it would allocate that many images at once).
  if (input.batch !== null && input.batch !== 1) {
    throw new EngineError('unsupported', `${file}: the model's batch size is fixed at ${input.batch}; re-export it with a dynamic batch (or batch 1)`, { file });
  }
  const externalData = externalDataFiles(model, file);
  inlineExternalData(model, file);
  return { file, model, input, externalData };
}

const MIB = 1024 * 1024;

function intsAttribute(node: NodeProto, name: string): number[] | undefined {
  return node.attribute?.find((a) => a.name === name)?.ints?.map((v) => toNumber(v));
}

/**
 * A lower bound on the bytes one image takes through the model: the float32 input, plus the output of
 * the first convolution twice over (the runtime holds it and the next activation); the input alone when
 * there is no convolution. The declared input size alone can make a model unusable (8192 x 8192: a 768
 * MiB input, its stem 4 GiB), and this bound is known before anything is allocated.
 */
export function leastBytesPerImage(loaded: LoadedModel): number {
  const { height, width } = loaded.input;
  const graph = loaded.model.graph;
  const inputBytes = 3 * height * width * 4;
  const weights = new Map((graph?.initializer ?? []).map((t) => [t.name ?? '', t.dims?.map((d) => toNumber(d)) ?? []]));
  const conv = (graph?.node ?? []).find((n) => n.opType === 'Conv' && weights.has(n.input?.[1] ?? ''));
  if (!conv) return inputBytes;
  const outChannels = weights.get(conv.input![1]!)![0] ?? 0;
  const [sy, sx] = intsAttribute(conv, 'strides') ?? [1, 1];
  return inputBytes + 2 * outChannels * Math.ceil(height / (sy ?? 1)) * Math.ceil(width / (sx ?? 1)) * 4;
}

/** Refuses a model whose probe run (`images` images) cannot fit `budgetMB`, before the runtime allocates it. */
function checkProbeFits(loaded: LoadedModel, images: number, budgetMB: number): void {
  const bytes = images * leastBytesPerImage(loaded);
  if (bytes <= budgetMB * MIB) return;
  const { height, width, name } = loaded.input;
  throw new EngineError(
    'unsupported',
    `${loaded.file}: ${images === 1 ? 'one' : images} ${height} x ${width} image${images === 1 ? '' : 's'} need${images === 1 ? 's' : ''} at least ${Math.ceil(bytes / MIB)} MiB inside the model (input '${name}' and its first convolution), over the memory budget of ${budgetMB} MiB; use a model with a smaller input size`,
    { file: loaded.file },
  );
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

export interface ProbeOptions {
  /** Run a weights-stripped file with zeros in place of the missing weights (shapes only: model inspect). */
  zeroFillMissing?: boolean;
}

/** Images in the probe run: 2 when the batch is dynamic, so a tensor whose batch axis is not first shows. */
function probeBatch(loaded: LoadedModel): number {
  return loaded.input.batch ?? 2;
}

/**
 * Shapes (with the batch axis) of the given tensors, from one CPU run on blank images. Also proves that the
 * model loads and runs, so bad models fail here with one clear message (an unsupported operator first).
 */
async function probeDims(loaded: LoadedModel, tensors: readonly string[], options: ProbeOptions = {}): Promise<Map<string, number[]>> {
  checkProbeFits(loaded, probeBatch(loaded), DEFAULT_MEMORY_BUDGET_MB);
  const copy = copyForRewrite(loaded.model);
  const missing = missingWeights(copy);
  if (missing.length > 0) {
    if (!options.zeroFillMissing) {
      throw new EngineError('bad_input', `${loaded.file}: ${missing.length} weights hold no data (e.g. '${missing[0]}'): a weights-stripped file can be inspected (model inspect) but not run`, { file: loaded.file });
    }
    zeroFillWeights(copy);
  }
  exposeTensors(copy, tensors);
  const { session } = await openSession(encodeModel(copy), 'cpu', loaded.file);
  try {
    const { height, width } = loaded.input;
    const batch = probeBatch(loaded);
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
      shapes.set(t, dims.map(Number));
    }
    return shapes;
  } finally {
    await session.release();
  }
}

/**
 * A probed tensor's dims without its batch axis, and where that axis was: first, or second in a rank-3
 * sequence-first tensor (L x N x D: OpenAI CLIP's ViT keeps its tokens so inside the transformer).
 * Null when the batch is elsewhere (attention internals with heads folded into the batch).
 */
function unbatched(dims: readonly number[], batch: number): ProbedShape | null {
  if (dims[0] === batch) return { dims: dims.slice(1) };
  if (dims.length === 3 && dims[1] === batch) return { dims: [dims[0]!, dims[2]!], batchAxis: 1 };
  return null;
}

/** The dims of a feed that broadcasts over the batch of `tensor` (an ablation's mask): the batch axis kept at 1. */
export async function probeUnitDims(loaded: LoadedModel, tensor: string): Promise<number[]> {
  const probed = unbatched((await probeDims(loaded, [tensor])).get(tensor)!, probeBatch(loaded));
  if (!probed) throw new EngineError('unsupported', `${loaded.file}: tensor '${tensor}' does not have the batch on its first axis or (sequence-first) its second`, { file: loaded.file });
  return probed.batchAxis === 1 ? [probed.dims[0]!, 1, probed.dims[1]!] : probed.dims;
}

export interface ModelTaps {
  plan: TapPlan;
  /** Weights without data (a weights-stripped file, inspected with zeros in their place). */
  missingWeights: number;
}

/**
 * Every candidate tap of the model with its shape, layout and friendly name, and the auto-tap picks:
 * operators first (nothing else is worth saying about a graph onnxruntime cannot run), then the
 * structure (onnx/taps), then one probe run for the shapes. Tensors with the batch neither first nor
 * second in a sequence-first L x N x D (attention internals) cannot be tapped and are left out.
 */
export async function planModelTaps(loaded: LoadedModel, options: ProbeOptions = {}): Promise<ModelTaps> {
  checkOperators(loaded.model, loaded.file);
  const detection = detectTaps(loaded.model, loaded.input.name);
  const tensors = [...new Set([...detection.candidates.map((c) => c.tensor), ...(detection.attentionPoolOutput ? [detection.attentionPoolOutput] : [])])];
  const dims = await probeDims(loaded, tensors.length > 0 ? tensors : (loaded.model.graph?.output ?? []).map((o) => o.name ?? ''), options);
  const batch = probeBatch(loaded);
  const shapes = new Map<string, ProbedShape>();
  for (const [t, d] of dims) {
    const probed = unbatched(d, batch);
    if (probed) shapes.set(t, probed);
  }
  return { plan: buildPlan(detection, shapes), missingWeights: missingWeights(loaded.model).length };
}

export type TapSelection = 'auto' | 'stages' | readonly string[];

function noFamilyError(loaded: LoadedModel, plan: TapPlan): EngineError {
  return new EngineError(
    'unsupported',
    `${loaded.file}: no architecture family Unitscope knows was recognized (${plan.found}); see the candidate tensors with 'unitscope model inspect ${loaded.file}' and name the taps with --taps`,
    { file: loaded.file },
  );
}

/**
 * Resolves taps: auto-tap ('auto': every block with the stem and the pooled output; 'stages': each stage's
 * last block), or tensors given by hand, by tensor name or by a candidate's friendly name.
 */
export async function resolveTaps(loaded: LoadedModel, taps: TapSelection): Promise<TapShape[]> {
  const { plan } = await planModelTaps(loaded);
  if (taps === 'auto' || taps === 'stages') {
    const chosen = selectTaps(plan, taps);
    if (plan.family === null || chosen.length === 0) throw noFamilyError(loaded, plan);
    return chosen;
  }
  const known = new Set((loaded.model.graph?.node ?? []).flatMap((n) => n.output ?? []));
  const byName = new Map(plan.candidates.map((p) => [p.shape.name, p.shape]));
  const byTensor = new Map(plan.candidates.map((p) => [p.shape.tensor, p.shape]));
  const tensors = taps.map((t) => (known.has(t) ? t : (byName.get(t)?.tensor ?? t)));
  for (const t of tensors) {
    if (!known.has(t)) throw new EngineError('not_found', `${loaded.file}: the model has no tensor or candidate tap named '${t}' (model inspect lists them)`, { file: loaded.file });
  }
  const unknown = tensors.filter((t) => !byTensor.has(t));
  const probed = unknown.length > 0 ? await probeDims(loaded, unknown) : new Map<string, number[]>();
  return tensors.map((t) => {
    const known = byTensor.get(t);
    if (known) return { ...known };
    const dims = probed.get(t)!;
    const found = unbatched(dims, probeBatch(loaded));
    if (!found) throw new EngineError('unsupported', `${loaded.file}: tensor '${t}' has shape [${dims.join(', ')}] with the batch neither on its first axis nor (sequence-first, L x N x D) its second; it cannot be tapped`, { file: loaded.file });
    const shape = tapOfProbed(t, { tensor: t, axis: tensorChannelAxis(loaded.model, loaded.input.name, t) }, found, null);
    if (!shape) throw new EngineError('unsupported', `${loaded.file}: tensor '${t}' has shape [${dims.join(', ')}]; a tap must be N x C x H x W, N x L x D, L x N x D or N x D`, { file: loaded.file });
    return shape;
  });
}
