// Graph rewrites: expose internal tensors as outputs (probing shapes, plain extraction), append the fused
// statistics nodes (each tap reduced in-graph to per-batch centered sums and sums of squares), and append
// per-tap Gathers of chosen units. Rewrites work on a decoded ModelProto in place and add only nodes,
// inputs and outputs, so the original computation is untouched.
import { DataType, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';
import { int64Tensor, tensorValueInfo } from './builder.ts';
import { opsetOf } from './inspect.ts';

const PREFIX = 'unitscope';

function graph(model: ModelProto) {
  const g = model.graph!;
  g.node ??= [];
  g.initializer ??= [];
  g.input ??= [];
  g.output ??= [];
  return g as Required<Pick<typeof g, 'node' | 'initializer' | 'input' | 'output'>> & typeof g;
}

/** Makes the tensors graph outputs (unshaped, so ORT infers them) and drops every other output. */
export function exposeTensors(model: ModelProto, tensors: readonly string[], keepOutputs = false): void {
  const g = graph(model);
  const outputs: ValueInfoProto[] = keepOutputs ? [...g.output] : [];
  const have = new Set(outputs.map((o) => o.name));
  for (const t of tensors) {
    if (have.has(t)) continue;
    outputs.push({ name: t, type: { tensorType: { elemType: DataType.FLOAT } } });
    have.add(t);
  }
  g.output = outputs;
}

/**
 * The tensor to read for each tap: its own, or for a sequence-first tap (L x N x D, `batchAxis` 1: OpenAI
 * CLIP's ViT) the output of an appended Transpose to N x L x D. Run before the other rewrites here, which
 * all take the batch on axis 0.
 */
export function batchFirstTensors(model: ModelProto, taps: readonly { tensor: string; batchAxis?: 1 }[]): string[] {
  const g = graph(model);
  return taps.map((tap, l) => {
    if (tap.batchAxis !== 1) return tap.tensor;
    const output = `${PREFIX}/batch_first/${l}`;
    g.node.push({ name: output, opType: 'Transpose', input: [tap.tensor], output: [output], attribute: [{ name: 'perm', type: 7, ints: [1, 0, 2] }] });
    return output;
  });
}

/**
 * Makes the tensors graph outputs through one Identity node each and drops every other output; returns
 * the output name per tensor. Exposing a tensor directly leaves ORT's CPU layout pass (NCHWc) to add the
 * conversion back to NCHW as a graph leaf, and ORT's default order (a reverse DFS from the leaves, highest
 * node index first) then runs every such conversion after the whole network: each tapped block output stays
 * alive to the end, and the next block's residual Add can no longer reuse it in place (measured: the block
 * convolutions ~2.8 ms slower per ResNet-50 image). As leaves of our own, appended latest-tap first, the
 * earliest tap's leaf has the highest index, so each copy runs right after its block.
 */
export function exposeTensorsInOrder(model: ModelProto, tensors: readonly string[]): string[] {
  const g = graph(model);
  const producer = new Map<string, number>();
  g.node.forEach((n, i) => n.output?.forEach((o) => producer.set(o, i)));
  const outputs = tensors.map((t, i) => `${PREFIX}/tap/${i}`);
  const latestFirst = tensors.map((t, i) => i).sort((a, b) => (producer.get(tensors[b]!) ?? -1) - (producer.get(tensors[a]!) ?? -1));
  for (const i of latestFirst) g.node.push({ name: `${PREFIX}/tap/${i}/copy`, opType: 'Identity', input: [tensors[i]!], output: [outputs[i]!] });
  g.output = outputs.map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT } } }));
  pruneToOutputs(model);
  return outputs;
}

/**
 * Drops the nodes no output depends on (a classifier head past the last tap, or whole stages past it), and
 * the initializers and inputs only they used: ORT runs dead nodes anyway. Graphs with subgraphs (If, Loop, Scan) are
 * left whole, as their bodies may read any outer tensor.
 */
function pruneToOutputs(model: ModelProto): void {
  const g = graph(model);
  const GRAPH = 5;
  const GRAPHS = 10;
  if (g.node.some((n) => n.attribute?.some((a) => a.type === GRAPH || a.type === GRAPHS))) return;
  const needed = new Set(g.output.map((o) => o.name));
  const kept: NodeProto[] = [];
  for (let i = g.node.length - 1; i >= 0; i--) {
    const node = g.node[i]!;
    if (!node.output?.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.input ?? []) needed.add(input);
  }
  g.node = kept.reverse();
  g.initializer = g.initializer.filter((t) => needed.has(t.name!));
  // Older exports also list every initializer as a graph input: ORT would ask to be fed the dropped ones.
  g.input = g.input.filter((i) => needed.has(i.name!));
}

export interface FusedTapNames {
  tensor: string;
  /** Input fed with the per-unit shift, shape [1, units]. */
  shift: string;
  /** Outputs: sum of (x - shift) and sum of (x - shift)^2 over the batch, shape [units]. */
  sum: string;
  sumSquares: string;
}

function reduceNode(model: ModelProto, op: 'ReduceSum' | 'ReduceSumSquare', input: string, output: string, axesName: string): NodeProto {
  // ReduceSum takes axes as an input from opset 13, ReduceSumSquare from opset 18; attributes before that.
  const inputAxes = op === 'ReduceSum' ? opsetOf(model) >= 13 : opsetOf(model) >= 18;
  return inputAxes
    ? { name: output, opType: op, input: [input, axesName], output: [output], attribute: [{ name: 'keepdims', type: 2, i: 0 }] }
    : { name: output, opType: op, input: [input], output: [output], attribute: [{ name: 'keepdims', type: 2, i: 0 }, { name: 'axes', type: 7, ints: [0] }] };
}

/**
 * Appends, per tap, Reshape [B, units] -> Sub shift -> ReduceSum / ReduceSumSquare over the batch, in
 * float32 (a float64 Cast first measured 1.5-3x slower on CPU than exposing the taps and reducing on the host).
 * Each batch must hold one category; the host merges the per-batch sums in float64 (Chan et al.).
 * The model's own outputs are dropped so that the classifier head is pruned by ORT when unused.
 */
export function fuseStatistics(model: ModelProto, tensors: readonly string[]): FusedTapNames[] {
  const g = graph(model);
  const flatShape = `${PREFIX}/flat_shape`;
  const axes = `${PREFIX}/axes0`;
  g.initializer.push(int64Tensor(flatShape, [2], [0, -1]), int64Tensor(axes, [1], [0]));
  const names: FusedTapNames[] = [];
  const outputs: ValueInfoProto[] = [];
  tensors.forEach((tensor, l) => {
    const base = `${PREFIX}/tap${l}`;
    const flat = `${base}/flat`;
    const shift = `${base}/shift`;
    const centered = `${base}/centered`;
    const sum = `${base}/sum`;
    const sumSquares = `${base}/sumsq`;
    g.node.push({ name: flat, opType: 'Reshape', input: [tensor, flatShape], output: [flat] });
    g.input.push(tensorValueInfo(shift, DataType.FLOAT, [1, 'units']));
    g.node.push({ name: centered, opType: 'Sub', input: [flat, shift], output: [centered] });
    g.node.push(reduceNode(model, 'ReduceSum', centered, sum, axes), reduceNode(model, 'ReduceSumSquare', centered, sumSquares, axes));
    outputs.push(tensorValueInfo(sum, DataType.FLOAT, ['units']), tensorValueInfo(sumSquares, DataType.FLOAT, ['units']));
    names.push({ tensor, shift, sum, sumSquares });
  });
  g.output = outputs;
  return names;
}

export interface GatherTapNames {
  tensor: string;
  /** int64 input: the flat unit indices to gather (may be empty). */
  indices: string;
  /** Output [B, indices]. */
  output: string;
}

/** Appends, per tap, Reshape [B, units] -> Gather(axis 1) of the units given as an input. */
export function appendGathers(model: ModelProto, tensors: readonly string[]): GatherTapNames[] {
  const g = graph(model);
  const flatShape = `${PREFIX}/gather_flat_shape`;
  g.initializer.push(int64Tensor(flatShape, [2], [0, -1]) as TensorProto);
  const outputs: ValueInfoProto[] = [];
  const names = tensors.map((tensor, l) => {
    const base = `${PREFIX}/gather${l}`;
    const flat = `${base}/flat`;
    const indices = `${base}/indices`;
    const output = `${base}/values`;
    g.node.push({ name: flat, opType: 'Reshape', input: [tensor, flatShape], output: [flat] });
    g.node.push({ name: output, opType: 'Gather', input: [flat, indices], output: [output], attribute: [{ name: 'axis', type: 2, i: 1 }] });
    g.input.push(tensorValueInfo(indices, DataType.INT64, ['count']));
    outputs.push(tensorValueInfo(output, DataType.FLOAT, ['N', 'count']));
    return { tensor, indices, output };
  });
  g.output = outputs;
  return names;
}
