// Graph inspection: the inputs, outputs, opset and op counts `model inspect` shows, and the image input's
// validation. Tap detection is in ./taps (structure first, names second).
import { EngineError } from '../errors.ts';
import { DataType, toNumber, type GraphProto, type ModelProto, type ValueInfoProto } from './proto.ts';

export type Dim = number | string | null;

export interface ImageInput {
  name: string;
  /** Fixed batch size, or null when the batch dimension is dynamic. */
  batch: number | null;
  height: number;
  width: number;
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

export function opsetOf(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 0;
}

export interface GraphSummary {
  inputs: { name: string; shape: Dim[]; elemType: number }[];
  outputs: { name: string; shape: Dim[]; elemType: number }[];
  nodeCount: number;
  /** Nodes per op type, domain-qualified outside the default domain ('com.microsoft:FusedConv'). */
  opTypes: Record<string, number>;
  opset: number;
  irVersion: number;
  producer: string;
}

export function summarizeGraph(model: ModelProto): GraphSummary {
  const graph = graphOf(model);
  const opTypes: Record<string, number> = {};
  for (const node of graph.node ?? []) {
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:${node.opType ?? ''}` : (node.opType ?? '');
    opTypes[op] = (opTypes[op] ?? 0) + 1;
  }
  const io = (v: ValueInfoProto) => ({ name: v.name ?? '', shape: dimsOf(v), elemType: v.type?.tensorType?.elemType ?? 0 });
  return {
    inputs: realInputs(model).map(io),
    outputs: (graph.output ?? []).map(io),
    nodeCount: (graph.node ?? []).length,
    opTypes,
    opset: opsetOf(model),
    irVersion: toNumber(model.irVersion),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
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
