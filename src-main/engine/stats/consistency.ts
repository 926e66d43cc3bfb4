// Representational consistency across layers (docs/method.md#consistency): for category c and layer l, an image x image
// RDM (1 - Pearson r between images, across the layer's c-selective units); Spearman correlation of the
// RDM upper triangles for every pair of layers -> L x L; consistency = mean off-diagonal value, also the
// mean over adjacent layers. Baseline: the same from all units of each layer. Unit sets larger than
// maxUnits are replaced by a seeded random subset (the RDM costs images^2 x units).
import type { LayerAnalysis, ResponseGatherer } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { createRng, type Rng } from '../random.ts';
import { throwIfAborted } from '../errors.ts';

/**
 * Fewest units an RDM is defined over: across 2 units every Pearson r is +/-1 (two points always lie on a
 * line), so the RDM would hold only 0 and 2, rounding noise rather than a representation.
 */
export const MIN_RDM_UNITS = 3;

/**
 * Upper triangle (i < j, row-major) of the RDM 1 - Pearson r of the rows of images x units data. All NaN
 * below MIN_RDM_UNITS units; the pairs of an image whose row is constant are NaN (r is undefined there)
 * and spearmanMatrix leaves them out.
 */
export function rdmUpperTriangle(rows: Float32Array | Float64Array, images: number, units: number): Float64Array {
  const out = new Float64Array((images * (images - 1)) / 2);
  if (units < MIN_RDM_UNITS) return out.fill(NaN);
  const z = new Float64Array(images * units);
  const norm = new Float64Array(images);
  for (let i = 0; i < images; i++) {
    let mean = 0;
    for (let u = 0; u < units; u++) mean += rows[i * units + u]!;
    mean /= units;
    let ss = 0;
    for (let u = 0; u < units; u++) {
      const d = rows[i * units + u]! - mean;
      z[i * units + u] = d;
      ss += d * d;
    }
    norm[i] = Math.sqrt(ss);
  }
  let t = 0;
  for (let i = 0; i < images; i++) {
    for (let j = i + 1; j < images; j++) {
      let dot = 0;
      const a = i * units;
      const b = j * units;
      for (let u = 0; u < units; u++) dot += z[a + u]! * z[b + u]!;
      out[t++] = 1 - dot / (norm[i]! * norm[j]!);
    }
  }
  return out;
}

/** Indices of the images whose row (images x units) holds one value throughout. */
function constantRows(data: Float64Array, images: number, units: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < images; i++) {
    const first = data[i * units]!;
    let same = true;
    for (let u = 1; u < units && same; u++) same = data[i * units + u] === first;
    if (same) out.push(i);
  }
  return out;
}

/** Ranks 1..n with ties averaged (scipy.stats.rankdata 'average'); NaN if any value is NaN. */
export function averageRanks(x: Float64Array): Float64Array {
  const n = x.length;
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) if (Number.isNaN(x[i]!)) return ranks.fill(NaN);
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation of two equal-length vectors (NaN when either is constant or holds NaN). */
export function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Summary of an L x L matrix: mean of the off-diagonal values and of the adjacent-layer values (NaN skipped). */
export function summarizeMatrix(matrix: Float64Array, L: number): { mean: number; adjacent: number } {
  let s = 0;
  let n = 0;
  let sa = 0;
  let na = 0;
  for (let i = 0; i < L; i++) {
    for (let j = i + 1; j < L; j++) {
      const v = matrix[i * L + j]!;
      if (Number.isNaN(v)) continue;
      s += v;
      n++;
      if (j === i + 1) {
        sa += v;
        na++;
      }
    }
  }
  return { mean: n ? s / n : NaN, adjacent: na ? sa / na : NaN };
}

/** The entries of `x` where `keep` is 1. */
function kept(x: Float64Array, keep: Uint8Array, count: number): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < x.length; i++) if (keep[i]) out[k++] = x[i]!;
  return out;
}

/**
 * L x L Spearman matrix between the RDM triangles of the layers (diagonal 1, or NaN when undefined). Each
 * pair of layers is correlated over the image pairs both define (pairwise-complete, as pandas'
 * DataFrame.corr(method='spearman') does): one constant image leaves out its own pairs, not the layer.
 */
export function spearmanMatrix(triangles: readonly Float64Array[]): Float64Array {
  const L = triangles.length;
  const complete = triangles.map((t) => t.every((v) => !Number.isNaN(v)));
  const ranks = triangles.map((t, i) => (complete[i] ? averageRanks(t) : null));
  const m = new Float64Array(L * L);
  const ranked = (i: number, j: number): [Float64Array, Float64Array] => {
    if (ranks[i] && ranks[j]) return [ranks[i], ranks[j]];
    const a = triangles[i]!;
    const b = triangles[j]!;
    const keep = new Uint8Array(a.length);
    let count = 0;
    for (let k = 0; k < a.length; k++) if (!Number.isNaN(a[k]!) && !Number.isNaN(b[k]!)) keep[k] = (count++, 1);
    return count < 3 ? [new Float64Array(0), new Float64Array(0)] : [averageRanks(kept(a, keep, count)), averageRanks(kept(b, keep, count))];
  };
  for (let i = 0; i < L; i++) {
    for (let j = i; j < L; j++) {
      const [ri, rj] = ranked(i, j);
      const r = ri.length ? pearson(ri, rj) : NaN;
      const v = i === j ? (Number.isNaN(r) ? NaN : 1) : r;
      m[i * L + j] = v;
      m[j * L + i] = v;
    }
  }
  return m;
}

export interface ConsistencyMatrix {
  matrix: Float64Array; // L x L, row-major
  mean: number;
  adjacent: number;
  /** Units each layer's RDM used (after subsetting). */
  unitsUsed: number[];
  /** Why a layer's values are undefined or left images out (fewer than 3 units, constant images), per layer. */
  notes: string[];
}

export interface CategoryConsistency extends ConsistencyMatrix {
  category: string;
}

export interface ConsistencyResult {
  layers: string[];
  categories: CategoryConsistency[];
  /** The same from all units of each layer (seeded random subset when larger than maxUnits). */
  baseline: ConsistencyMatrix;
  maxUnits: number;
  seed: number;
}

export interface ConsistencyOptions {
  /** Largest unit set per RDM before a seeded random subset is drawn (default 2000). */
  maxUnits?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** Sorted subset of `indices` of at most `max` elements, drawn with a partial Fisher-Yates. */
function subset(indices: Int32Array, max: number, rng: Rng): Int32Array {
  if (indices.length <= max) return indices;
  const a = Int32Array.from(indices);
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.subarray(0, max).sort();
}

/**
 * Consistency matrices of a run's layers, one per target category plus the all-units baseline.
 * Per-image responses come from `gatherer`, one gather per layer (the union of the unit sets).
 */
export async function consistencyMatrix(analyses: readonly LayerAnalysis[], gatherer: ResponseGatherer, options: ConsistencyOptions = {}): Promise<ConsistencyResult> {
  const maxUnits = options.maxUnits ?? 2000;
  const seed = options.seed ?? 0;
  const rng = createRng(seed);
  const images = gatherer.images.length;
  const names = analyses[0]?.units.map((r) => r.category) ?? [];
  const triangles = names.map(() => [] as Float64Array[]);
  const baseTriangles: Float64Array[] = [];
  const used = names.map(() => [] as number[]);
  const baseUsed: number[] = [];
  const notes = names.map(() => [] as string[]);
  const baseNotes: string[] = [];
  for (const analysis of analyses) {
    throwIfAborted(options.signal, 'the consistency analysis');
    const units = tapUnits(analysis.tap);
    const sets = analysis.units.map((r) => {
      const idx: number[] = [];
      for (let u = 0; u < units; u++) if (r.selective[u]) idx.push(u);
      return subset(Int32Array.from(idx), maxUnits, rng);
    });
    const all = subset(Int32Array.from({ length: units }, (_, u) => u), maxUnits, rng);
    const union = Int32Array.from(new Set([...sets.flatMap((s) => Array.from(s)), ...all])).sort();
    const rows = await gatherer.gather(analysis.tap.name, union, options.signal);
    if (rows.length !== images * union.length) throw new RangeError(`gatherer returned ${rows.length} values for ${images} images x ${union.length} units of ${analysis.tap.name}`);
    const column = new Map<number, number>();
    union.forEach((u, j) => column.set(u, j));
    const rdmOf = (set: Int32Array, notes: string[]) => {
      const data = new Float64Array(images * set.length);
      for (let i = 0; i < images; i++) for (let j = 0; j < set.length; j++) data[i * set.length + j] = rows[i * union.length + column.get(set[j]!)!]!;
      if (set.length < MIN_RDM_UNITS) notes.push(`${analysis.tap.name}: ${set.length} unit${set.length === 1 ? '' : 's'} (an RDM needs at least ${MIN_RDM_UNITS}): undefined`);
      else {
        const constant = constantRows(data, images, set.length).map((i) => gatherer.images[i]!.id);
        if (constant.length) notes.push(`${analysis.tap.name}: image${constant.length === 1 ? '' : 's'} ${constant.join(', ')} respond${constant.length === 1 ? 's' : ''} equally in every unit (Pearson r undefined): ${constant.length === 1 ? 'its' : 'their'} pairs are left out`);
      }
      return rdmUpperTriangle(data, images, set.length);
    };
    sets.forEach((set, c) => {
      triangles[c]!.push(rdmOf(set, notes[c]!));
      used[c]!.push(set.length);
    });
    baseTriangles.push(rdmOf(all, baseNotes));
    baseUsed.push(all.length);
  }
  const L = analyses.length;
  const summarize = (tris: Float64Array[], unitsUsed: number[], why: string[]): ConsistencyMatrix => {
    const matrix = spearmanMatrix(tris);
    return { matrix, ...summarizeMatrix(matrix, L), unitsUsed, notes: why };
  };
  return {
    layers: analyses.map((a) => a.tap.name),
    categories: names.map((category, c) => ({ category, ...summarize(triangles[c]!, used[c]!, notes[c]!) })),
    baseline: summarize(baseTriangles, baseUsed, baseNotes),
    maxUnits,
    seed,
  };
}
