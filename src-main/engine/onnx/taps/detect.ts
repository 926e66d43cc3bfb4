// Auto-tap by family, from the graph's structure (no names needed): every family's block outputs are cut
// tensors (GraphView), and each family is recognized by how its blocks merge their branches.
// - residual (ResNet, ResNeXt, wide ResNet, RegNet): a residual Add of two activations; the block output
//   is the activation right after it when there is one (ResNet's Add -> ReLU), else the Add;
// - inverted-residual (MobileNetV2/V3, EfficientNet): residual Adds with no activation after them, and
//   blocks without a skip that end in a linear bottleneck (a convolution with no nonlinearity after it,
//   in a stretch that holds a depthwise convolution);
// - transformer (ViT, Swin): residual Adds too, but a block is attention + MLP: the output is the MLP's
//   residual Add (attention residuals, those with a Softmax in their branch, are listed, not picked);
// - dense (DenseNet; also Inception-style modules): a Concat of several activations closing a branched
//   stretch, and the plain stretch between two of them (DenseNet's transitions);
// - plain (AlexNet, VGG): no merges; every nonlinearity after a convolution or a linear layer.
// Names come second (scopes.ts): the module path shared by the nodes of a block.
import { channelAxis, type ChannelAxis } from './layout.ts';
import { ACTIVATION_OPS, GraphView, VIEW_OPS, type GraphNode } from './graph.ts';
import { commonPath, modulePath, pathName, type ModulePath } from './scopes.ts';
import type { ModelProto } from '../proto.ts';
import type { TapRole } from '../../../contract/models.ts';

export type Family = 'plain' | 'residual' | 'inverted-residual' | 'transformer' | 'dense';

export const FAMILY_TITLES: Record<Family, string> = {
  plain: 'plain CNN (AlexNet, VGG): each nonlinearity after a convolution or linear layer',
  residual: 'residual CNN (ResNet, ResNeXt, wide ResNet, RegNet): residual block outputs',
  'inverted-residual': 'inverted-residual CNN (MobileNet, EfficientNet, ConvNeXt): block outputs',
  transformer: 'transformer (ViT, Swin): encoder block outputs',
  dense: 'dense / multi-branch CNN (DenseNet): dense-block outputs and transitions',
};

export interface DetectedTensor {
  tensor: string;
  /** Producer's node index (execution order). */
  index: number;
  op: string;
  /** Module path of the tensor's own node (for listing), or of the whole block for picks. */
  name: string | null;
  axis: ChannelAxis;
  /** Its role when auto-tap picks it. */
  role: TapRole | null;
}

export interface Detection {
  family: Family | null;
  /** What the structure showed, for the message when no family matched. */
  found: string;
  /** Every cut tensor made by a computing op, in execution order; picks are marked with their role. */
  candidates: DetectedTensor[];
  /** The graph's output, when the head pools by attention (CLIP): the pooled embedding is the output itself. */
  attentionPoolOutput: string | null;
  graphOutputs: string[];
}

const LINEAR_CONSUMERS = new Set(['Conv', 'Add', 'Sum', 'Concat', 'GlobalAveragePool', 'AveragePool', 'MaxPool', 'ReduceMean', ...VIEW_OPS]);
const MERGE_OPS = new Set(['Add', 'Sum']);
const PRODUCERS_OF_PLAIN_TAPS = new Set(['Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Add']);

interface Pick {
  cut: number;
  role: TapRole;
  /** Nodes whose shared module path names the block. */
  nameNodes: GraphNode[];
  /** It ends where its branches merge (its module path is the block's own). */
  merged: boolean;
}

/**
 * A block without a skip has all its ops inside a child container (MobileNetV2's features.1.conv,
 * EfficientNet's features.1.0.block), so the path its nodes share is one level too deep: cut such paths
 * to the depth of the merged blocks' paths, which name the block modules themselves.
 */
function trimToSiblings(paths: (ModulePath | null)[], merged: readonly boolean[]): void {
  const depths = new Map<number, number>();
  paths.forEach((p, i) => p && merged[i] && depths.set(p.length, (depths.get(p.length) ?? 0) + 1));
  const depth = [...depths.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (depth === undefined) return;
  paths.forEach((p, i) => {
    if (p && !merged[i] && p.length > depth) paths[i] = p.slice(0, depth);
  });
}

class Detector {
  readonly cuts: { tensor: string; index: number }[];

  constructor(readonly view: GraphView) {
    this.cuts = view.cuts;
  }

  /** Nodes from the cut before cuts[c] (exclusive) to cuts[c] (inclusive). */
  segment(c: number): GraphNode[] {
    const from = c > 0 ? this.cuts[c - 1]!.index : -1;
    return this.view.between(from, this.cuts[c]!.index);
  }

  node(c: number): GraphNode {
    return this.view.nodes[this.cuts[c]!.index]!;
  }

  isResidualMerge(c: number): boolean {
    const n = this.node(c);
    return MERGE_OPS.has(n.op) && n.inputs.length >= 2;
  }

  isDenseMerge(c: number): boolean {
    const n = this.node(c);
    return n.op === 'Concat' && n.inputs.length >= 2 && this.segment(c).length > 1;
  }

  /** An element-wise activation of cut c's tensor that is itself the next cut. */
  trailingActivation(c: number): number | null {
    const next = this.cuts[c + 1];
    if (!next) return null;
    const n = this.view.nodes[next.index]!;
    const consumers = this.view.consumersOf(this.cuts[c]!.tensor);
    return ACTIVATION_OPS.has(n.op) && n.op !== 'Sigmoid' && consumers.length === 1 && consumers[0]!.index === n.index ? c + 1 : null;
  }

  hasAttention(nodes: readonly GraphNode[]): boolean {
    return nodes.some((n) => n.op === 'Softmax' || n.op === 'Attention' || n.op === 'MultiHeadAttention');
  }

  /** A convolution whose output feeds no nonlinearity (MobileNet's linear bottleneck). */
  isLinearConv(c: number): boolean {
    const n = this.node(c);
    if (n.op !== 'Conv' && n.op !== 'BatchNormalization') return false;
    const consumers = this.view.consumersOf(this.cuts[c]!.tensor);
    return consumers.length > 0 && consumers.every((k) => LINEAR_CONSUMERS.has(k.op));
  }

  residualPicks(): { picks: Pick[]; transformer: boolean; inverted: boolean; start: number } {
    const merges: { end: number; attention: boolean; nodes: GraphNode[]; activated: boolean }[] = [];
    for (let c = 0; c < this.cuts.length; c++) {
      if (!this.isResidualMerge(c)) continue;
      const nodes = this.segment(c);
      const act = this.trailingActivation(c);
      merges.push({ end: act ?? c, attention: this.hasAttention(nodes), nodes: act === null ? nodes : [...nodes, this.node(act)], activated: act !== null });
    }
    if (merges.length === 0) return { picks: [], transformer: false, inverted: false, start: -1 };
    const transformer = merges.some((m) => m.attention);
    // A transformer block is attention then MLP: its output is the MLP's residual.
    const blocks = merges.filter((m, i) => !m.attention || !merges[i + 1] || merges[i + 1]!.attention);
    const picks: Pick[] = blocks.map((m) => ({ cut: m.end, role: 'block', nameNodes: m.nodes, merged: true }));
    let start = merges[0]!.nodes[0]!.index;
    const inverted = !transformer && merges.every((m) => !m.activated) && this.view.nodes.some((n) => this.view.isDepthwise(n));
    if (inverted) {
      // Blocks without a skip end in a linear bottleneck, after a depthwise convolution since the last block.
      // The first block starts at the first depthwise convolution (MobileNet's and EfficientNet's first
      // block has no expansion), so what enters it is the stem.
      const ends = new Set(picks.map((p) => p.cut));
      let lastEnd: number | null = null;
      let depthwise = false;
      for (let c = 0; c < this.cuts.length; c++) {
        if (this.segment(c).some((n) => this.view.isDepthwise(n))) {
          if (lastEnd === null) {
            lastEnd = c - 1;
            start = Math.min(start, this.segment(c)[0]!.index);
          }
          depthwise = true;
        }
        if (ends.has(c)) {
          lastEnd = c;
          depthwise = false;
        } else if (depthwise && lastEnd !== null && this.isLinearConv(c)) {
          picks.push({ cut: c, role: 'block', nameNodes: this.span(lastEnd, c), merged: false });
          lastEnd = c;
          depthwise = false;
        }
      }
    }
    picks.sort((a, b) => a.cut - b.cut);
    return { picks, transformer, inverted, start };
  }

  /** Nodes of the cuts after `from` up to `to` (a stretch of several cuts). */
  span(from: number, to: number): GraphNode[] {
    return this.view.between(from >= 0 ? this.cuts[from]!.index : -1, this.cuts[to]!.index);
  }

  densePicks(): { picks: Pick[]; start: number } {
    const dense: number[] = [];
    for (let c = 0; c < this.cuts.length; c++) if (this.isDenseMerge(c)) dense.push(c);
    const picks: Pick[] = [];
    if (dense.length === 0) return { picks, start: -1 };
    dense.forEach((d, i) => {
      const prev = picks.length > 0 ? picks[picks.length - 1]!.cut : i === 0 ? d - 1 : dense[i - 1]!;
      picks.push({ cut: d, role: 'block', nameNodes: this.span(prev, d), merged: true });
      const next = dense[i + 1];
      // The plain stretch to the next dense block is a transition; it ends at the cut just before that block.
      if (next !== undefined && next - 1 > d) picks.push({ cut: next - 1, role: 'block', nameNodes: this.span(d, next - 1), merged: false });
    });
    return { picks, start: this.segment(dense[0]!)[0]!.index };
  }

  plainPicks(): Pick[] {
    const picks: Pick[] = [];
    for (let c = 0; c < this.cuts.length; c++) {
      const n = this.node(c);
      if (!ACTIVATION_OPS.has(n.op) || n.op === 'Sigmoid' || n.op === 'HardSigmoid') continue;
      const from = n.inputs[0] ? this.view.producerOf(n.inputs[0]) : undefined;
      if (from && PRODUCERS_OF_PLAIN_TAPS.has(from.op)) picks.push({ cut: c, role: 'block', nameNodes: [n], merged: true });
    }
    return picks;
  }

  /** The cut entering the first block (the last computing one before the node it starts at). */
  stem(start: number): number | null {
    for (let c = this.cuts.length - 1; c >= 0; c--) {
      if (this.cuts[c]!.index >= start) continue;
      // A Transpose back to N x C x H x W (ConvNeXt's channels-last layer norm) is the stem as users know it.
      const op = this.node(c).op;
      if (!VIEW_OPS.has(op) || op === 'Transpose') return c;
    }
    return null;
  }
}

function describeFound(d: Detector): string {
  const ops = new Map<string, number>();
  for (const n of d.view.nodes) if (n.outputs.length > 0) ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
  const top = [...ops.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([op, k]) => `${k} ${op}`).join(', ');
  return `${d.cuts.length} tensors the whole computation passes through, no residual Add, dense Concat or activation after a convolution among them (ops: ${top || 'none'})`;
}

export function detectTaps(model: ModelProto, imageInput: string): Detection {
  const view = new GraphView(model, imageInput);
  const d = new Detector(view);
  const residual = d.residualPicks();
  let family: Family | null = null;
  let picks: Pick[] = [];
  let start = -1;
  if (residual.picks.length > 0) {
    family = residual.transformer ? 'transformer' : residual.inverted ? 'inverted-residual' : 'residual';
    ({ picks, start } = residual);
  } else {
    const dense = d.densePicks();
    if (dense.picks.length >= 2) {
      family = 'dense';
      ({ picks, start } = dense);
    } else {
      const plain = d.plainPicks();
      if (plain.length >= 2) {
        family = 'plain';
        picks = plain;
      }
    }
  }
  const roles = new Map<number, { role: TapRole; name: string | null }>();
  const paths = picks.map((p) => commonPath(p.nameNodes.map((n) => modulePath(n.node))));
  trimToSiblings(paths, picks.map((p) => p.merged));
  picks.forEach((p, i) => roles.set(p.cut, { role: p.role, name: pathName(paths[i]!) }));
  if (family !== null && family !== 'plain') {
    const stem = d.stem(start);
    if (stem !== null && !roles.has(stem)) roles.set(stem, { role: 'stem', name: 'stem' });
  }
  const candidates: DetectedTensor[] = [];
  d.cuts.forEach((cut, c) => {
    const n = d.node(c);
    const role = roles.get(c);
    if (!role && VIEW_OPS.has(n.op)) return;
    candidates.push({ tensor: cut.tensor, index: cut.index, op: n.op, name: role ? role.name : pathName(modulePath(n.node)), axis: channelAxis(view, cut.tensor), role: role?.role ?? null });
  });
  const lastBlock = picks.length > 0 ? d.cuts[picks[picks.length - 1]!.cut]!.index : Infinity;
  const tail = view.nodes.filter((n) => n.index > lastBlock);
  const output = (view.graph.output ?? [])[0]?.name ?? null;
  return {
    family,
    found: family === null ? describeFound(d) : '',
    candidates,
    attentionPoolOutput: output && d.hasAttention(tail) ? output : null,
    graphOutputs: (view.graph.output ?? []).map((o) => o.name ?? ''),
  };
}

/** The channel axis of any activation tensor of the model (for taps named by hand). */
export function tensorChannelAxis(model: ModelProto, imageInput: string, tensor: string): ChannelAxis {
  return channelAxis(new GraphView(model, imageInput), tensor);
}
