// Two-sided p-values from maintained distribution functions (@stdlib, ports of Boost/Cephes). Tails are
// always taken directly (2 * cdf(-|x|)), never as 1 - cdf, so p stays accurate down to 1e-300; checked
// against scipy in test/engine/stats/distributions.test.ts (worst relative error seen about 1e-13).
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import erfc from '@stdlib/math-base-special-erfc';

/** Two-sided p of Student's t with `df` degrees of freedom: NaN for NaN t, 0 for infinite t. */
export function studentTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  const p = 2 * tCdf(-Math.abs(t), df);
  return p > 1 ? 1 : p;
}

/** Fills p[u] = two-sided Student p of t[u] with one shared df (pooled tests of one contrast). */
export function studentTwoSidedPArray(t: Float64Array, df: number, out: Float64Array): Float64Array {
  for (let u = 0; u < t.length; u++) out[u] = studentTwoSidedP(t[u]!, df);
  return out;
}

/** Upper tail of the standard normal, 0.5 * erfc(z / sqrt 2), as scipy.stats.norm.sf. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided p of a standard normal statistic. */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const p = erfc(Math.abs(z) / Math.SQRT2);
  return p > 1 ? 1 : p;
}
