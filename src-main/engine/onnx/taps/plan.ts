// From a structural detection and the probed shapes to the taps: each candidate's layout (C x H x W, or
// tokens x dims with the patch grid found upstream), its stage, the friendly names (module paths when
// they tell every block apart, else by structure) and the two selections auto-tap offers: every block
// ('auto', with the stem and the pooled representation) and each stage's last block ('stages').
import type { TapShape } from '../../pipeline-types.ts';
import type { TapRole } from '../../../contract/models.ts';
import { FAMILY_TITLES, type Detection, type DetectedTensor, type Family } from './detect.ts';

export interface PlannedTap {
  shape: TapShape;
  /** Shape without the batch axis, as the runtime gives it. */
  dims: number[];
  op: string;
  role: TapRole | null;
  /** 1-based stage: a run of candidates with the same grid. */
  stage: number;
  /** Picked by auto-tap, and by `--taps stages`. */
  auto: boolean;
  stages: boolean;
  /** Its name is the module path of its nodes (not the tensor name for want of one). */
  namedByPath: boolean;
}

export interface TapPlan {
  family: Family | null;
  familyTitle: string | null;
  found: string;
  candidates: PlannedTap[];
  stageTitles: string[];
}

const POOL_OPS = new Set(['GlobalAveragePool', 'GlobalMaxPool', 'ReduceMean', 'AveragePool', 'MaxPool', 'Flatten']);

function isSquare(n: number): boolean {
  const r = Math.round(Math.sqrt(n));
  return r > 0 && r * r === n;
}

/** Grid of a token sequence of length L: the last feature map upstream (ViT's patch embedding) when it fits, else a square. */
function tokenGrid(length: number, upstream: { height: number; width: number } | null): { height: number; width: number; extra: number } {
  if (upstream && upstream.height * upstream.width <= length && length - upstream.height * upstream.width < upstream.height * upstream.width) {
    return { ...upstream, extra: length - upstream.height * upstream.width };
  }
  for (const extra of [0, 1]) if (isSquare(length - extra)) return { height: Math.sqrt(length - extra), width: Math.sqrt(length - extra), extra };
  return { height: 1, width: length, extra: 0 };
}

/** The tap for a tensor of these dims (no batch axis), or null when its rank cannot be a tap. */
function shapeOf(name: string, c: Pick<DetectedTensor, 'tensor' | 'axis'>, dims: readonly number[], upstream: { height: number; width: number } | null): TapShape | null {
  const base = { name, tensor: c.tensor };
  if (dims.length === 1) return { ...base, channels: dims[0]!, height: 1, width: 1 };
  if (dims.length === 3 && c.axis === 'first') return { ...base, channels: dims[0]!, height: dims[1]!, width: dims[2]! };
  if (dims.length === 3) return { ...base, channels: dims[2]!, height: dims[0]!, width: dims[1]!, layout: 'tokens' };
  if (dims.length === 2 && c.axis === 'first') return { ...base, channels: dims[0]!, height: 1, width: dims[1]! };
  if (dims.length === 2) {
    const grid = tokenGrid(dims[0]!, upstream);
    return { ...base, channels: dims[1]!, height: grid.height, width: grid.width, layout: 'tokens', ...(grid.extra > 0 ? { extraTokens: grid.extra } : {}) };
  }
  return null;
}

/** A probed tensor: its dims without the batch axis, and the batch's axis when it was not the first. */
export interface ProbedShape {
  dims: number[];
  batchAxis?: 1;
}

/** `shapeOf` for a probed tensor; a sequence-first one can only be tokens x dims. */
export function tapOfProbed(name: string, c: Pick<DetectedTensor, 'tensor' | 'axis'>, probed: ProbedShape, upstream: { height: number; width: number } | null): TapShape | null {
  const shape = shapeOf(name, c, probed.dims, upstream);
  if (probed.batchAxis !== 1) return shape;
  return shape?.layout === 'tokens' ? { ...shape, batchAxis: 1 } : null;
}

function gridKey(s: TapShape): string {
  return s.height * s.width === 1 && s.layout !== 'tokens' ? 'vector' : `${s.height}x${s.width}+${s.extraTokens ?? 0}`;
}

function gridTitle(s: TapShape): string {
  if (gridKey(s) === 'vector') return 'pooled (1-D)';
  if (s.layout === 'tokens') return s.extraTokens ? `${s.extraTokens} + ${s.height} x ${s.width} tokens` : `${s.height} x ${s.width} tokens`;
  return `${s.height} x ${s.width}`;
}

function poolName(c: DetectedTensor, attention: boolean): string {
  const top = c.name?.split('.')[0];
  if (top) return top;
  if (attention) return 'attnpool';
  return POOL_OPS.has(c.op) ? 'avgpool' : c.op === 'Gather' || c.op === 'Slice' ? 'class_token' : 'pool';
}

/** `shapes`: every candidate with its batch first, or second in a sequence-first L x N x D (others cannot be tapped). */
export function buildPlan(detection: Detection, shapes: ReadonlyMap<string, ProbedShape>): TapPlan {
  const planned: PlannedTap[] = [];
  let upstream: { height: number; width: number } | null = null;
  const blockIndices = detection.candidates.filter((c) => c.role === 'block').map((c) => c.index);
  const lastBlock = blockIndices.length > 0 ? Math.max(...blockIndices) : Infinity;
  let pooled = false;
  const candidates = [...detection.candidates];
  if (detection.attentionPoolOutput && !candidates.some((c) => c.tensor === detection.attentionPoolOutput)) {
    candidates.push({ tensor: detection.attentionPoolOutput, index: Infinity, op: 'output', name: null, axis: 'first', role: null });
  }
  const output = detection.attentionPoolOutput;
  for (const c of candidates) {
    const probed = shapes.get(c.tensor);
    if (!probed) continue;
    const { dims } = probed;
    const shape = tapOfProbed(c.name ?? c.tensor, c, probed, upstream);
    if (!shape) continue;
    if (shape.layout !== 'tokens' && shape.height * shape.width > 1) upstream = { height: shape.height, width: shape.width };
    let role = c.role;
    // The pooled representation after the last block: the head's input, or the output of an attention pool.
    if (!role && !pooled && c.index > lastBlock && detection.family !== 'plain' && gridKey(shape) === 'vector') {
      if (output ? c.tensor === output : !isGraphOutput(detection, c.tensor)) {
        role = 'pool';
        pooled = true;
        shape.name = poolName(c, output !== null);
      }
    }
    planned.push({ shape, dims, op: c.op, role, stage: 0, auto: role !== null, stages: false, namedByPath: c.name !== null });
  }
  nameBlocks(planned, detection.family);
  distinguishOthers(planned);
  const stageTitles: string[] = [];
  let key = '';
  for (const p of planned) {
    const k = gridKey(p.shape);
    if (k !== key) {
      stageTitles.push(gridTitle(p.shape));
      key = k;
    }
    p.stage = stageTitles.length;
  }
  // --taps stages: the last block of each stage with a grid (VGG: what each pooling stage takes in).
  const blocks = planned.filter((p) => p.role === 'block' && gridKey(p.shape) !== 'vector');
  blocks.forEach((p, i) => (p.stages = blocks[i + 1]?.stage !== p.stage));
  return { family: detection.family, familyTitle: detection.family ? FAMILY_TITLES[detection.family] : null, found: detection.found, candidates: planned, stageTitles };
}

function isGraphOutput(detection: Detection, tensor: string): boolean {
  return detection.graphOutputs.includes(tensor);
}

/**
 * Block names: the module paths when every block has its own, else by structure: the k-th block of
 * the s-th grid, `layer{s}.{k}` for residual networks (torchvision's naming), `block{s}.{k}` otherwise.
 */
function nameBlocks(planned: PlannedTap[], family: Family | null): void {
  const blocks = planned.filter((p) => p.role === 'block');
  const names = blocks.map((p) => p.shape.name);
  const fromPaths = blocks.every((p) => p.namedByPath) && new Set(names).size === names.length && !names.includes('stem');
  if (fromPaths) return;
  const prefix = family === 'residual' ? 'layer' : 'block';
  let stage = 0;
  let inStage = 0;
  let key = '';
  for (const p of blocks) {
    const k = gridKey(p.shape);
    if (k !== key) {
      stage += 1;
      inStage = 0;
      key = k;
    } else {
      inStage += 1;
    }
    p.shape.name = `${prefix}${stage}.${inStage}`;
  }
}

/**
 * Candidates auto-tap does not pick keep their node's module path, which may be a block's name too (a
 * transformer block's attention residual) or shared by several ops (a decomposed layer norm): such
 * names get the op and a count, so that every candidate can be named in --taps.
 */
function distinguishOthers(planned: PlannedTap[]): void {
  const picked = new Set(planned.filter((p) => p.role).map((p) => p.shape.name));
  const seen = new Map<string, number>();
  for (const p of planned) {
    if (p.role) continue;
    const base = picked.has(p.shape.name) || planned.filter((q) => q.shape.name === p.shape.name).length > 1 ? `${p.shape.name}:${p.op}` : p.shape.name;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    p.shape.name = n === 1 ? base : `${base}_${n - 1}`;
  }
}

/** The selection's taps in execution order. */
export function selectTaps(plan: TapPlan, selection: 'auto' | 'stages'): TapShape[] {
  return plan.candidates.filter((p) => (selection === 'auto' ? p.auto : p.stages)).map((p) => p.shape);
}
