// Graph inspection: inputs, outputs, nodes, internal tensors grouped into blocks, the image input's
// validation, and auto-tap (residual block outputs = a Relu fed by an Add, the stem, the final pooling)
// with friendly names taken from tensor names, node metadata (torch dynamo's name scopes) or structure.
import { EngineError } from '../errors.ts';
import { DataType, toNumber, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from './proto.ts';

export type Dim = number | string | null;

export interface TensorInfo {
  name: string;
  /** Op type of the node that produces it ('input' for graph inputs). */
  producer: string;
  /** Shape from the graph's value_info when the exporter recorded it. */
  shape: Dim[] | null;
  /** Friendly block name this tensor belongs to (`layer1.0`), when one is known. */
  block: string | null;
}

export interface GraphSummary {
  inputs: { name: string; shape: Dim[]; elemType: number }[];
  outputs: { name: string; shape: Dim[]; elemType: number }[];
  nodeCount: number;
  opTypes: Record<string, number>;
  opset: number;
  producer: string;
  tensors: TensorInfo[];
}

export interface ImageInput {
  name: string;
  /** Fixed batch size, or null when the batch dimension is dynamic. */
  batch: number | null;
  height: number;
  width: number;
}

export type TapRole = 'stem' | 'block' | 'pool';

export interface TapCandidate {
  tensor: string;
  role: TapRole;
  /** Friendly name from tensor names or node metadata; null when only structure can name it. */
  hint: string | null;
}

function dimsOf(info: ValueInfoProto): Dim[] {
  return (info.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : d.dimParam || null));
}

function graphOf(model: ModelProto): GraphProto {
  if (!model.graph) throw new EngineError('bad_input', 'the model has no graph');
  return model.graph;
}

/** Graph inputs that are real inputs (older exporters also list initializers as inputs). */
export function realInputs(model: ModelProto): ValueInfoProto[] {
  const graph = graphOf(model);
  const init = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? []).filter((i) => !init.has(i.name));
}

const BLOCK_NAME = /(layer\d+\.\d+)/g;

function lastBlockName(text: string): string | null {
  const matches = text.match(BLOCK_NAME);
  return matches ? matches[matches.length - 1]! : null;
}

/** torch dynamo: ['', 'layer1', 'layer1.0', 'layer1.0.relu', 'relu_3'] -> 'layer1.0'. */
function scopeBlockName(node: NodeProto): string | null {
  const scopes = (node.metadataProps ?? []).find((m) => m.key === 'pkg.torch.onnx.name_scopes')?.value;
  if (!scopes) return null;
  const names = [...scopes.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  const blocks = names.filter((n) => /^layer\d+\.\d+$/.test(n));
  return blocks.length > 0 ? blocks[blocks.length - 1]! : null;
}

function friendlyHint(node: NodeProto, tensor: string): string | null {
  return lastBlockName(tensor) ?? lastBlockName(node.name ?? '') ?? scopeBlockName(node);
}

export function opsetOf(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 0;
}

export function summarizeGraph(model: ModelProto): GraphSummary {
  const graph = graphOf(model);
  const shapes = new Map<string, Dim[]>();
  for (const info of [...(graph.valueInfo ?? []), ...(graph.output ?? []), ...(graph.input ?? [])]) shapes.set(info.name ?? '', dimsOf(info));
  const opTypes: Record<string, number> = {};
  const tensors: TensorInfo[] = realInputs(model).map((i) => ({ name: i.name ?? '', producer: 'input', shape: dimsOf(i), block: null }));
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    opTypes[op] = (opTypes[op] ?? 0) + 1;
    if (op === 'Constant') continue;
    for (const out of node.output ?? []) {
      if (!out) continue;
      tensors.push({ name: out, producer: op, shape: shapes.get(out) ?? null, block: friendlyHint(node, out) });
    }
  }
  const io = (v: ValueInfoProto) => ({ name: v.name ?? '', shape: dimsOf(v), elemType: v.type?.tensorType?.elemType ?? 0 });
  return {
    inputs: realInputs(model).map(io),
    outputs: (graph.output ?? []).map(io),
    nodeCount: (graph.node ?? []).length,
    opTypes,
    opset: opsetOf(model),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    tensors,
  };
}

/**
 * The one image input, N x 3 x H x W float. `size` ([H, W]) is required when the spatial size is dynamic
 * and, when given for a fixed-size model, must match it.
 */
export function imageInput(model: ModelProto, file: string, size?: readonly [number, number]): ImageInput {
  const inputs = realInputs(model);
  if (inputs.length !== 1) {
    const names = inputs.map((i) => i.name).join(', ');
    throw new EngineError('unsupported', `${file}: the model has ${inputs.length} inputs (${names || 'none'}); Unitscope needs exactly one image input`, { file });
  }
  const input = inputs[0]!;
  const name = input.name ?? '';
  const elemType = input.type?.tensorType?.elemType;
  const dims = dimsOf(input);
  if (elemType !== DataType.FLOAT || dims.length !== 4 || dims[1] !== 3) {
    const shown = dims.map((d) => d ?? '?').join(' x ') || 'no shape';
    throw new EngineError('unsupported', `${file}: input '${name}' is ${shown}${elemType !== DataType.FLOAT ? ` of element type ${elemType}` : ''}; Unitscope needs a float input of shape N x 3 x H x W`, { file });
  }
  const [batch, , h, w] = dims;
  let height = typeof h === 'number' ? h : null;
  let width = typeof w === 'number' ? w : null;
  if (height === null || width === null) {
    if (!size) {
      throw new EngineError('validation', `${file}: input '${name}' has a dynamic spatial size (${h ?? '?'} x ${w ?? '?'}); give the input size (--size H,W)`, { file });
    }
    height = height ?? size[0];
    width = width ?? size[1];
  }
  if (size && (size[0] !== height || size[1] !== width)) {
    throw new EngineError('validation', `${file}: input '${name}' is fixed at ${height} x ${width}; the size given (${size[0]} x ${size[1]}) does not match`, { file });
  }
  return { name, batch: typeof batch === 'number' ? batch : null, height, width };
}

interface GraphIndex {
  producer: Map<string, { node: NodeProto; index: number }>;
  consumers: Map<string, number>;
}

function indexGraph(graph: GraphProto): GraphIndex {
  const producer = new Map<string, { node: NodeProto; index: number }>();
  const consumers = new Map<string, number>();
  (graph.node ?? []).forEach((node, index) => {
    for (const out of node.output ?? []) producer.set(out, { node, index });
    for (const inp of node.input ?? []) if (inp) consumers.set(inp, (consumers.get(inp) ?? 0) + 1);
  });
  return { producer, consumers };
}

const SHAPE_OPS = new Set(['Constant', 'Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'ConstantOfShape', 'Range', 'Slice', 'Reshape']);

function ancestors(graph: GraphProto, index: GraphIndex, tensor: string): Set<string> {
  const seen = new Set<string>();
  const stack = [tensor];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const p = index.producer.get(t);
    if (p) for (const i of p.node.input ?? []) if (i) stack.push(i);
  }
  void graph;
  return seen;
}

/** Residual block outputs (Relu fed by Add), the stem (the tensor entering the first block) and the final pooling. */
export function autoTapCandidates(model: ModelProto): TapCandidate[] {
  const graph = graphOf(model);
  const index = indexGraph(graph);
  const nodes = graph.node ?? [];
  const blocks: { tensor: string; index: number; node: NodeProto }[] = [];
  nodes.forEach((node, i) => {
    if (node.opType !== 'Relu') return;
    const input = node.input?.[0];
    const from = input ? index.producer.get(input) : undefined;
    if (from?.node.opType === 'Add') blocks.push({ tensor: node.output![0]!, index: i, node });
  });
  if (blocks.length === 0) return [];
  const candidates: TapCandidate[] = [];

  const firstAdd = index.producer.get(blocks[0]!.node.input![0]!)!;
  const before = ancestors(graph, index, firstAdd.node.output![0]!);
  let stem: { tensor: string; index: number } | null = null;
  for (const t of before) {
    const p = index.producer.get(t);
    if (!p || SHAPE_OPS.has(p.node.opType ?? '') || p.index >= firstAdd.index) continue;
    if ((index.consumers.get(t) ?? 0) < 2) continue;
    if (!stem || p.index > stem.index) stem = { tensor: t, index: p.index };
  }
  if (stem) candidates.push({ tensor: stem.tensor, role: 'stem', hint: 'stem' });

  for (const b of blocks) candidates.push({ tensor: b.tensor, role: 'block', hint: friendlyHint(b.node, b.tensor) });

  const last = blocks[blocks.length - 1]!;
  const pool = nodes.slice(last.index + 1).find((n) => n.opType === 'GlobalAveragePool' || n.opType === 'ReduceMean');
  const lastConsumers = nodes.slice(last.index + 1).some((n) => n.opType === 'Softmax');
  if (pool && !lastConsumers) {
    candidates.push({ tensor: pool.output![0]!, role: 'pool', hint: 'avgpool' });
  } else {
    // Attention pooling (CLIP): the embedding the graph returns is the pooled representation.
    const output = (graph.output ?? [])[0];
    if (output?.name) candidates.push({ tensor: output.name, role: 'pool', hint: lastConsumers ? 'attnpool' : 'head' });
  }
  return candidates;
}

/**
 * Friendly names for candidates once their shapes are known: the hint when every block has a distinct
 * one, else by structure (the k-th block of the stage its channel count belongs to: layer{s}.{k}).
 */
export function nameCandidates(candidates: TapCandidate[], channelsOf: (tensor: string) => number): string[] {
  const blockHints = candidates.filter((c) => c.role === 'block').map((c) => c.hint);
  const hintsUsable = blockHints.every((h) => h !== null) && new Set(blockHints).size === blockHints.length;
  let stage = 0;
  let inStage = 0;
  let stageChannels = -1;
  return candidates.map((c) => {
    if (c.role !== 'block') return c.hint ?? c.tensor;
    const channels = channelsOf(c.tensor);
    if (channels !== stageChannels) {
      stage += 1;
      inStage = 0;
      stageChannels = channels;
    } else {
      inStage += 1;
    }
    return hintsUsable ? c.hint! : `layer${stage}.${inStage}`;
  });
}
