// Mann-Whitney U (two-sided, normal approximation, tie-corrected, continuity-corrected), exactly as
// scipy.stats.mannwhitneyu(method='asymptotic'), and ranksum-maxp's per-unit evidence: for each category,
// the largest p over the other categories. Needs per-image responses, read in unit slices under a memory
// budget through a ResponseGatherer.
import type { LayerStats, ResponseGatherer } from '../pipeline-types.ts';
import { normalSf } from './distributions.ts';
import { throwIfAborted } from '../errors.ts';
import { statsUnits } from './sufficient.ts';

/**
 * Two-sided asymptotic Mann-Whitney p of two ascending-sorted samples. scipy's statistic is
 * U = max(U1, U2), z = (U - n1 n2 / 2 - 0.5) / s, p = clip(2 sf(z), 0, 1); all-tied samples give s = 0,
 * z = -inf and p = 1.
 */
export function mannWhitneyPSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let pos = 0;
  let rankSumA = 0;
  let tieTerm = 0;
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    let ca = 0;
    let cb = 0;
    while (i < n1 && a[i] === v) {
      i++;
      ca++;
    }
    while (j < n2 && b[j] === v) {
      j++;
      cb++;
    }
    const t = ca + cb;
    rankSumA += ca * (pos + (t + 1) / 2);
    tieTerm += t * t * t - t;
    pos += t;
  }
  const u1 = rankSumA - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.max(u1, u2);
  const n = n1 + n2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2 - 0.5) / s;
  const p = 2 * normalSf(z);
  return p > 1 ? 1 : p < 0 ? 0 : p;
}

/** Convenience for unsorted samples (copies and sorts them). */
export function mannWhitneyP(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return mannWhitneyPSorted(Float64Array.from(a).sort(), Float64Array.from(b).sort());
}

/**
 * For rows = images x units (row-major) and each image's category, returns maxP[k][u] = the largest
 * pairwise Mann-Whitney p of category k vs every other category, for units [0, units). Categories
 * without images give NaN.
 */
export function rankSumMaxPFromRows(rows: Float32Array, units: number, imageCategories: ArrayLike<number>, K: number): Float64Array[] {
  const out = Array.from({ length: K }, () => new Float64Array(units));
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < imageCategories.length; i++) counts[imageCategories[i]!]!++;
  const groups = counts.map((n) => new Float64Array(n));
  const fill = new Array<number>(K).fill(0);
  for (let u = 0; u < units; u++) {
    fill.fill(0);
    for (let i = 0; i < imageCategories.length; i++) {
      const k = imageCategories[i]!;
      groups[k]![fill[k]!++] = rows[i * units + u]!;
    }
    for (const g of groups) g.sort();
    for (let k = 0; k < K; k++) out[k]![u] = -Infinity;
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        const p = counts[a] === 0 || counts[b] === 0 ? NaN : mannWhitneyPSorted(groups[a]!, groups[b]!);
        out[a]![u] = Math.max(out[a]![u]!, p);
        out[b]![u] = Math.max(out[b]![u]!, p);
      }
    }
    if (K < 2) for (let k = 0; k < K; k++) out[k]![u] = NaN;
  }
  return out;
}

export interface RankSumOptions {
  /** Bytes of per-image responses held at once (default 256 MiB). */
  budgetBytes?: number;
  signal?: AbortSignal;
  onProgress?: (doneUnits: number, totalUnits: number) => void;
}

/** ranksum-maxp evidence for a whole layer, gathered in unit slices that fit the memory budget. */
export async function rankSumMaxP(stats: LayerStats, gatherer: ResponseGatherer, options: RankSumOptions = {}): Promise<Float64Array[]> {
  const units = statsUnits(stats);
  const K = stats.count.length;
  const images = gatherer.images;
  const cats = Int32Array.from(images, (im) => im.category);
  const budget = options.budgetBytes ?? 256 * 1024 * 1024;
  const slice = Math.max(1, Math.floor(budget / Math.max(1, images.length * 4)));
  const out = Array.from({ length: K }, () => new Float64Array(units));
  for (let start = 0; start < units; start += slice) {
    throwIfAborted(options.signal);
    const end = Math.min(units, start + slice);
    const ids = new Int32Array(end - start);
    for (let u = start; u < end; u++) ids[u - start] = u;
    const rows = await gatherer.gather(stats.tap.name, ids, options.signal);
    if (rows.length !== images.length * ids.length) {
      throw new RangeError(`gatherer returned ${rows.length} values for ${images.length} images x ${ids.length} units of ${stats.tap.name}`);
    }
    const part = rankSumMaxPFromRows(rows, ids.length, cats, K);
    for (let k = 0; k < K; k++) out[k]!.set(part[k]!, start);
    options.onProgress?.(end, units);
  }
  return out;
}
