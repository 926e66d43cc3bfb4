// A structural view of an ONNX graph for tap detection: which tensors carry activations (depend on the
// image, as opposed to weights, constants and shape arithmetic), who produces and consumes them, and the
// cut tensors: points the whole computation flows through (after them nothing computed earlier is still
// needed). Block outputs of every family are cut tensors; the families differ in which cuts they pick.
import { toNumber, type AttributeProto, type GraphProto, type ModelProto, type NodeProto } from '../proto.ts';

/** Ops that only re-view their input (no computation): never a tap of their own. */
export const VIEW_OPS = new Set(['Identity', 'Dropout', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Cast']);

/** Ops whose outputs describe a tensor's shape, not its values. */
const SHAPE_OPS = new Set(['Shape', 'Size']);

/** Element-wise nonlinearities (decomposed ones, x * sigmoid(x) and the like, are recognized separately). */
export const ACTIVATION_OPS = new Set(['Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'Softplus', 'Mish', 'ThresholdedRelu']);

export interface GraphNode {
  index: number;
  node: NodeProto;
  op: string;
  /** Activation inputs (computed from the image), in input order. */
  inputs: string[];
  /** Activation outputs. */
  outputs: string[];
}

export class GraphView {
  readonly graph: GraphProto;
  readonly nodes: GraphNode[];
  /** Producer node index of each activation tensor. */
  readonly producer = new Map<string, number>();
  /** Node indices consuming each activation tensor (only nodes that themselves compute activations). */
  readonly consumers = new Map<string, number[]>();
  readonly imageInput: string;
  /** Cut tensors in execution order, each with the node that produces it. */
  readonly cuts: { tensor: string; index: number }[] = [];
  private readonly initializers = new Map<string, number[]>();
  private readonly aliases = new Map<string, string>();

  constructor(model: ModelProto, imageInput: string) {
    this.graph = model.graph!;
    this.imageInput = imageInput;
    for (const t of this.graph.initializer ?? []) this.initializers.set(t.name ?? '', (t.dims ?? []).map(toNumber));
    const active = new Set<string>([imageInput]);
    this.nodes = (this.graph.node ?? []).map((node, index) => {
      const op = node.opType ?? '';
      const inputs = (node.input ?? []).filter((i) => i && active.has(i));
      const computes = inputs.length > 0 && !SHAPE_OPS.has(op);
      const outputs = computes ? (node.output ?? []).filter(Boolean) : [];
      for (const o of outputs) {
        active.add(o);
        this.producer.set(o, index);
      }
      // Identity of a weight (older exporters share weights that way): remember what it aliases.
      if (op === 'Identity' && !computes && node.input?.[0] && node.output?.[0]) this.aliases.set(node.output[0], node.input[0]);
      return { index, node, op, inputs, outputs };
    });
    for (const n of this.nodes) {
      if (n.outputs.length === 0) continue;
      for (const i of n.inputs) {
        const list = this.consumers.get(i) ?? [];
        if (!list.includes(n.index)) list.push(n.index);
        this.consumers.set(i, list);
      }
    }
    this.findCuts();
  }

  /** A tensor is a cut when, right after its producer ran, it is the only activation still needed. */
  private findCuts(): void {
    const outputs = new Set((this.graph.output ?? []).map((o) => o.name ?? ''));
    const lastUse = new Map<string, number>();
    const end = this.nodes.length;
    lastUse.set(this.imageInput, Math.max(-1, ...(this.consumers.get(this.imageInput) ?? [])));
    for (const n of this.nodes) for (const o of n.outputs) lastUse.set(o, outputs.has(o) ? end : Math.max(-1, ...(this.consumers.get(o) ?? [])));
    let live = new Set<string>(lastUse.get(this.imageInput)! >= 0 ? [this.imageInput] : []);
    for (const n of this.nodes) {
      if (n.outputs.length === 0) continue;
      const next = new Set<string>();
      for (const t of live) if (lastUse.get(t)! > n.index) next.add(t);
      for (const o of n.outputs) if (lastUse.get(o)! > n.index) next.add(o);
      live = next;
      if (live.size === 1 && n.outputs.length === 1 && live.has(n.outputs[0]!)) this.cuts.push({ tensor: n.outputs[0]!, index: n.index });
    }
  }

  producerOf(tensor: string): GraphNode | undefined {
    const i = this.producer.get(tensor);
    return i === undefined ? undefined : this.nodes[i];
  }

  consumersOf(tensor: string): GraphNode[] {
    return (this.consumers.get(tensor) ?? []).map((i) => this.nodes[i]!);
  }

  /** Dims of a weight (through Identity aliases), or null when it is not an initializer. */
  weightDims(name: string): number[] | null {
    let n = name;
    for (let i = 0; i < 8 && !this.initializers.has(n) && this.aliases.has(n); i++) n = this.aliases.get(n)!;
    return this.initializers.get(n) ?? null;
  }

  /** A convolution with one input channel per group (MobileNet's and ConvNeXt's depthwise convolutions). */
  isDepthwise(n: GraphNode): boolean {
    if (n.op !== 'Conv') return false;
    const group = intAttribute(n.node, 'group') ?? 1;
    const weight = n.node.input?.[1] ? this.weightDims(n.node.input[1]) : null;
    return group > 1 && weight !== null && weight[1] === 1;
  }

  /** Nodes that compute activations with index in (from, to]. */
  between(from: number, to: number): GraphNode[] {
    return this.nodes.slice(from + 1, to + 1).filter((n) => n.outputs.length > 0);
  }
}

export function attributeOf(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function intAttribute(node: NodeProto, name: string): number | null {
  const a = attributeOf(node, name);
  return a?.i !== undefined && a.i !== null ? toNumber(a.i) : null;
}

export function intsAttribute(node: NodeProto, name: string): number[] | null {
  const a = attributeOf(node, name);
  return a?.ints && a.ints.length > 0 ? a.ints.map(toNumber) : null;
}
