// Where a tensor keeps its channels, found from the ops that made it: convolutions, pooling and batch norm
// work on axis 1 (N x C x H x W), linear layers (MatMul, Gemm) and layer norms on the last axis (a
// transformer's N x L x D, Swin's N x H x W x C). Element-wise ops keep the axis; a Transpose moves it.
import { intsAttribute, type GraphView } from './graph.ts';

export type ChannelAxis = 'first' | 'last';

const FIRST_AXIS_OPS = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'InstanceNormalization', 'LpPool', 'Resize', 'Upsample']);
const LAST_AXIS_OPS = new Set(['MatMul', 'Gemm', 'LayerNormalization', 'Attention', 'MultiHeadAttention']);

/** Axis of the channels (as 'first' = 1 or 'last'), following the first activation operand back; rank when a Transpose needs it. */
function trace(view: GraphView, tensor: string, depth: number): { axis: ChannelAxis | number; rank: number | null } | null {
  if (depth > 64 || tensor === view.imageInput) return tensor === view.imageInput ? { axis: 'first', rank: 4 } : null;
  const n = view.producerOf(tensor);
  if (!n) return null;
  if (FIRST_AXIS_OPS.has(n.op)) return { axis: 'first', rank: null };
  if (LAST_AXIS_OPS.has(n.op)) return { axis: 'last', rank: null };
  if (n.op === 'Transpose') {
    const perm = intsAttribute(n.node, 'perm');
    const before = n.inputs[0] ? trace(view, n.inputs[0], depth + 1) : null;
    if (!perm || !before) return null;
    const from = before.axis === 'first' ? 1 : before.axis === 'last' ? perm.length - 1 : before.axis;
    const to = perm.indexOf(from);
    return { axis: to === 1 ? 'first' : to === perm.length - 1 ? 'last' : to, rank: perm.length };
  }
  for (const input of n.inputs) {
    const found = trace(view, input, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The channel axis of an activation tensor; 'first' when nothing says otherwise (the N x C x H x W convention). */
export function channelAxis(view: GraphView, tensor: string): ChannelAxis {
  const found = trace(view, tensor, 0);
  return found?.axis === 'last' ? 'last' : 'first';
}
