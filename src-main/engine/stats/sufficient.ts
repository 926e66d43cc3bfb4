// Sufficient statistics (n, mean, M2 per category and unit, float64, category-major k * units + u) and
// the group moments derived from them. Everything the t-test recipes need comes from here, so memory is
// O(units x categories), never O(units x images).
import type { LayerStats, TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';

/** Number of units of a LayerStats (its mean array is K x units). */
export function statsUnits(stats: LayerStats): number {
  return tapUnits(stats.tap);
}

export function emptyLayerStats(tap: TapShape, categories: number): LayerStats {
  const units = tapUnits(tap);
  return {
    tap,
    count: new Float64Array(categories),
    mean: new Float64Array(categories * units),
    m2: new Float64Array(categories * units),
  };
}

/**
 * One-pass accumulation from per-image float32 rows. Each category's values of a unit are shifted by a
 * reference (that category's first row, an exact float32 value, so x - shift is exact in float64) before
 * the Welford update: activations with |mean| / std = 1e4 would otherwise lose the variance to
 * cancellation, and a shift shared by all categories fails when category means are far apart. The
 * extractor centers in-graph with the same kind of shift.
 */
export class SufficientAccumulator {
  readonly units: number;
  private readonly count: Float64Array;
  private readonly mean: Float64Array; // of shifted values until finish()
  private readonly m2: Float64Array;
  private readonly shift: Float32Array; // K x units, valid once count[k] > 0

  constructor(
    readonly tap: TapShape,
    readonly categories: number,
  ) {
    this.units = tapUnits(tap);
    this.count = new Float64Array(categories);
    this.mean = new Float64Array(categories * this.units);
    this.m2 = new Float64Array(categories * this.units);
    this.shift = new Float32Array(categories * this.units);
  }

  /** Adds one image's responses (length = units) to category k. */
  addRow(k: number, row: Float32Array | Float64Array): void {
    const units = this.units;
    if (row.length !== units) throw new RangeError(`addRow: row has ${row.length} values, layer ${this.tap.name} has ${units} units`);
    if (!Number.isInteger(k) || k < 0 || k >= this.categories) throw new RangeError(`addRow: category ${k} out of range 0..${this.categories - 1}`);
    const base = k * units;
    const shift = this.shift;
    if (this.count[k] === 0) for (let u = 0; u < units; u++) shift[base + u] = row[u]!;
    const n = this.count[k]! + 1;
    this.count[k] = n;
    const mean = this.mean;
    const m2 = this.m2;
    for (let u = 0; u < units; u++) {
      const i = base + u;
      const d = row[u]! - shift[i]!;
      const delta = d - mean[i]!;
      const m = mean[i]! + delta / n;
      mean[i] = m;
      m2[i] = m2[i]! + delta * (d - m);
    }
  }

  /** The statistics so far, with the shift added back to the means. */
  finish(): LayerStats {
    const mean = Float64Array.from(this.mean);
    const shift = this.shift;
    for (let k = 0; k < this.categories; k++) {
      if (this.count[k] === 0) continue;
      const base = k * this.units;
      for (let u = 0; u < this.units; u++) mean[base + u] = mean[base + u]! + shift[base + u]!;
    }
    return { tap: this.tap, count: Float64Array.from(this.count), mean, m2: Float64Array.from(this.m2) };
  }
}

/**
 * Exact merge of two statistics of the same layer over disjoint image sets (Chan et al. 1979 parallel
 * update), e.g. shards of one run. Returns a new LayerStats.
 */
export function mergeLayerStats(a: LayerStats, b: LayerStats): LayerStats {
  const units = statsUnits(a);
  const K = a.count.length;
  if (statsUnits(b) !== units || b.count.length !== K) {
    throw new RangeError(`mergeLayerStats: shapes differ (${a.tap.name}: ${K}x${units} vs ${b.tap.name}: ${b.count.length}x${statsUnits(b)})`);
  }
  const out = emptyLayerStats(a.tap, K);
  for (let k = 0; k < K; k++) {
    const na = a.count[k]!;
    const nb = b.count[k]!;
    const n = na + nb;
    out.count[k] = n;
    const base = k * units;
    if (n === 0) continue;
    const wb = nb / n;
    const cross = (na * nb) / n;
    for (let u = 0; u < units; u++) {
      const i = base + u;
      const ma = a.mean[i]!;
      const delta = b.mean[i]! - ma;
      out.mean[i] = na === 0 ? b.mean[i]! : nb === 0 ? ma : ma + delta * wb;
      out.m2[i] = a.m2[i]! + b.m2[i]! + delta * delta * cross;
    }
  }
  return out;
}

/** Moments of one group of images for every unit: count, mean and M2 (sum of squared deviations). */
export interface GroupMoments {
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

/** The moments of category k, as views into the stats (no copy). */
export function categoryMoments(stats: LayerStats, k: number): GroupMoments {
  const units = statsUnits(stats);
  return {
    n: stats.count[k]!,
    mean: stats.mean.subarray(k * units, (k + 1) * units),
    m2: stats.m2.subarray(k * units, (k + 1) * units),
  };
}

/**
 * Moments of the union of several categories, exact from their sufficient statistics:
 * mean = sum n_k m_k / n, M2 = sum M2_k + sum n_k (m_k - mean)^2.
 */
export function pooledMoments(stats: LayerStats, ks: readonly number[]): GroupMoments {
  const units = statsUnits(stats);
  let n = 0;
  for (const k of ks) n += stats.count[k]!;
  const mean = new Float64Array(units);
  const m2 = new Float64Array(units);
  if (n === 0) return { n, mean: mean.fill(NaN), m2: m2.fill(NaN) };
  // sum n_k m_k first and divide once: equal category means then give exactly that mean (constant
  // units must keep zero variance and a zero difference).
  for (const k of ks) {
    const nk = stats.count[k]!;
    if (nk === 0) continue;
    const base = k * units;
    for (let u = 0; u < units; u++) mean[u] = mean[u]! + nk * stats.mean[base + u]!;
  }
  for (let u = 0; u < units; u++) mean[u] = mean[u]! / n;
  for (const k of ks) {
    const nk = stats.count[k]!;
    if (nk === 0) continue;
    const base = k * units;
    for (let u = 0; u < units; u++) {
      const d = stats.mean[base + u]! - mean[u]!;
      m2[u] = m2[u]! + stats.m2[base + u]! + nk * d * d;
    }
  }
  return { n, mean, m2 };
}

/** LayerStats from per-image rows (images x units, row-major) and each image's category. */
export function layerStatsFromRows(tap: TapShape, categories: number, rows: Float32Array, imageCategories: ArrayLike<number>): LayerStats {
  const acc = new SufficientAccumulator(tap, categories);
  const units = acc.units;
  for (let i = 0; i < imageCategories.length; i++) acc.addRow(imageCategories[i]!, rows.subarray(i * units, (i + 1) * units));
  return acc.finish();
}
