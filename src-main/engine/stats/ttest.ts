// Two-sample t statistics straight from group moments (n, mean, M2), as scipy.stats.ttest_ind computes
// them from raw data. Zero variance in both groups gives t = (m1 - m2) / 0: NaN when the means are
// equal, +/-inf (p = 0) when they differ, exactly scipy's behaviour.
import type { GroupMoments } from './sufficient.ts';
import { studentTwoSidedP } from './distributions.ts';
import { studentTail } from './student-tail.ts';

export type Variance = 'pooled' | 'welch';

export interface TTestResult {
  t: Float64Array;
  /** Two-sided p. */
  p: Float64Array;
}

/** t only (no p), for statistics that need the value but not its tail probability. */
export function tStatistics(a: GroupMoments, b: GroupMoments, variance: Variance, out?: Float64Array): Float64Array {
  const units = a.mean.length;
  const t = out ?? new Float64Array(units);
  const na = a.n;
  const nb = b.n;
  if (variance === 'pooled') {
    const df = na + nb - 2;
    const scale = 1 / na + 1 / nb;
    for (let u = 0; u < units; u++) {
      const sp2 = (a.m2[u]! + b.m2[u]!) / df;
      t[u] = (a.mean[u]! - b.mean[u]!) / Math.sqrt(sp2 * scale);
    }
  } else {
    for (let u = 0; u < units; u++) {
      const va = a.m2[u]! / (na - 1) / na;
      const vb = b.m2[u]! / (nb - 1) / nb;
      t[u] = (a.mean[u]! - b.mean[u]!) / Math.sqrt(va + vb);
    }
  }
  return t;
}

/**
 * Student (pooled) or Welch t-test of group a vs group b for every unit, two-sided. Welch degrees of
 * freedom follow Welch-Satterthwaite; when they are undefined (both variances 0) scipy uses df = 1,
 * which only matters for t = +/-inf (p = 0) or NaN (p = NaN). Pooled tests share one df, so their p
 * come from that df's interpolated tail (student-tail.ts). `out` lends the result arrays (scratch
 * reused across the contrasts of a layer).
 */
export function tTest(a: GroupMoments, b: GroupMoments, variance: Variance, out?: TTestResult): TTestResult {
  const units = a.mean.length;
  const t = tStatistics(a, b, variance, out?.t);
  const p = out?.p ?? new Float64Array(units);
  const na = a.n;
  const nb = b.n;
  if (variance === 'pooled') {
    studentTail(na + nb - 2).fill(t, p);
  } else {
    for (let u = 0; u < units; u++) {
      const va = a.m2[u]! / (na - 1) / na;
      const vb = b.m2[u]! / (nb - 1) / nb;
      let df = ((va + vb) * (va + vb)) / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
      if (Number.isNaN(df)) df = 1;
      p[u] = studentTwoSidedP(t[u]!, df);
    }
  }
  return { t, p };
}

/** Sample variance (ddof = 1) of a group for unit u. */
export function sampleVariance(g: GroupMoments, u: number): number {
  return g.m2[u]! / (g.n - 1);
}

/**
 * d' = (m_a - m_b) / sqrt((s_a^2 + s_b^2) / 2) with sample variances (ddof = 1). Both variances 0 gives
 * NaN for equal means and +/-inf otherwise, like t.
 */
export function dPrime(a: GroupMoments, b: GroupMoments, out?: Float64Array): Float64Array {
  const units = a.mean.length;
  const d = out ?? new Float64Array(units);
  for (let u = 0; u < units; u++) {
    const s = Math.sqrt((sampleVariance(a, u) + sampleVariance(b, u)) / 2);
    d[u] = (a.mean[u]! - b.mean[u]!) / s;
  }
  return d;
}
