// The ablation rewrite: the tapped tensor T is renamed at its producer (T -> T/intact) and a Where node
// recreates T as Where(mask, fill, T/intact). Every consumer of T, including a graph output named T, then
// sees the ablated tensor, with no consumer edited. Mask and fill are graph inputs shaped like one image's
// tensor (broadcast over the batch), so one session serves the intact pass (mask all false), the selective
// set and every random control; Where copies kept elements bit for bit (a Mul-by-1 / Add-0 pair would turn
// -0 into +0), so an empty mask reproduces the intact outputs exactly.
import { EngineError } from '../errors.ts';
import { tensorValueInfo } from '../onnx/builder.ts';
import { DataType, type ModelProto } from '../onnx/proto.ts';

export interface AblationNames {
  /** The ablated tensor (keeps the tap's name, so consumers need no edit). */
  tensor: string;
  /** bool input, shape = the tap's per-image shape: true where a unit is replaced. */
  mask: string;
  /** float input, same shape: the replacement values (0, or each unit's mean). */
  fill: string;
}

/**
 * Inserts the ablation nodes for `tensor` into `model` (a copy made by copyForRewrite: the producer node
 * is replaced by a renamed copy, never mutated, because the copy shares node objects with the original).
 * `unitDims` is the tensor's shape with its batch axis at 1 or dropped, so the feeds broadcast over the
 * batch (model-graph.ts probeUnitDims).
 */
export function insertAblation(model: ModelProto, tensor: string, unitDims: readonly number[]): AblationNames {
  const g = model.graph;
  if (!g?.node) throw new EngineError('bad_input', 'the model has no graph');
  const index = g.node.findIndex((n) => (n.output ?? []).includes(tensor));
  if (index < 0) throw new EngineError('validation', `tensor '${tensor}' is not produced by any node of the model (a graph input or initializer cannot be ablated)`);
  const producer = g.node[index]!;
  const intact = `${tensor}/unitscope_intact`;
  const mask = `unitscope/ablation/mask`;
  const fill = `unitscope/ablation/fill`;
  g.node[index] = { ...producer, output: (producer.output ?? []).map((o) => (o === tensor ? intact : o)) };
  // Right after the producer keeps the node list topologically sorted, as ONNX requires.
  g.node.splice(index + 1, 0, { name: `unitscope/ablation/where`, opType: 'Where', input: [mask, fill, intact], output: [tensor] });
  g.input ??= [];
  g.input.push(tensorValueInfo(mask, DataType.BOOL, [...unitDims]), tensorValueInfo(fill, DataType.FLOAT, [...unitDims]));
  return { tensor, mask, fill };
}
