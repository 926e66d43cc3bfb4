// The paired image-level comparison of two runs from their bootstrap replicates (docs/method.md#comparison):
// both runs resampled the same images in the same iterations (weights from the images' sha256), so the
// difference A - B of iteration b is one draw of the difference's sampling distribution. For every claim's
// metric, per aligned layer x target category: each run's observed value and 95 % percentile interval,
// the difference with its interval and its two-sided bootstrap p, and BH q across layers x categories of
// that metric. The trend with depth is the least-squares slope of the proportion on relative depth,
// per replicate, over each run's own layers.
import { adjustPValues } from './fdr.ts';
import { REPLICATE_METRICS, type ReplicateMetric } from './image-bootstrap.ts';
import { percentileSorted } from './layer-metrics.ts';

/** One run's replicates: per layer (run order), values as layerReplicates returns them. */
export interface RunReplicates {
  layers: readonly string[];
  targets: readonly string[];
  iterations: number;
  values: readonly Float64Array[];
}

export interface Interval {
  low: number;
  high: number;
}

export interface ImageComparisonRow {
  metric: ReplicateMetric | 'proportion_slope';
  /** Null for the across-depth slope. */
  layerA: string | null;
  layerB: string | null;
  category: string;
  valueA: number;
  ciA: Interval;
  valueB: number;
  ciB: Interval;
  /** valueA - valueB. */
  diff: number;
  ciDiff: Interval;
  /** diff / standard deviation of the replicate differences. */
  z: number;
  p: number;
  q: number;
  /** Iterations in which both values were defined. */
  iterations: number;
}

/** Metrics compared (the selective count is reported, not tested). */
export const COMPARED_METRICS = REPLICATE_METRICS.filter((m) => m !== 'selective');

/** 2.5 and 97.5 percentiles (numpy's linear interpolation) of the finite values. */
export function percentileInterval(values: ArrayLike<number>): Interval {
  const finite = Float64Array.from(Array.from(values).filter((v) => Number.isFinite(v))).sort();
  return { low: percentileSorted(finite, 2.5), high: percentileSorted(finite, 97.5) };
}

/** Two-sided bootstrap p of "difference = 0": (1 + 2 min(#d <= 0, #d >= 0)) / (valid + 1), at most 1. */
export function bootstrapP(diffs: ArrayLike<number>): { p: number; valid: number } {
  let below = 0;
  let above = 0;
  let valid = 0;
  for (let i = 0; i < diffs.length; i++) {
    const d = diffs[i]!;
    if (!Number.isFinite(d)) continue;
    valid++;
    if (d <= 0) below++;
    if (d >= 0) above++;
  }
  return { p: valid === 0 ? NaN : Math.min(1, (1 + 2 * Math.min(below, above)) / (valid + 1)), valid };
}

function sd(values: Float64Array): number {
  const finite = Array.from(values).filter((v) => Number.isFinite(v));
  if (finite.length < 2) return NaN;
  const m = finite.reduce((s, v) => s + v, 0) / finite.length;
  return Math.sqrt(finite.reduce((s, v) => s + (v - m) * (v - m), 0) / (finite.length - 1));
}

/** Observed value (index 0) and the iterations' replicates of one metric of one layer x target. */
function series(run: RunReplicates, layer: number, target: number, metric: number): { observed: number; replicates: Float64Array } {
  const R = run.iterations + 1;
  const base = (target * REPLICATE_METRICS.length + metric) * R;
  const v = run.values[layer]!;
  return { observed: v[base]!, replicates: v.subarray(base + 1, base + R) };
}

function row(metric: ImageComparisonRow['metric'], layerA: string | null, layerB: string | null, category: string, a: { observed: number; replicates: Float64Array }, b: { observed: number; replicates: Float64Array }): ImageComparisonRow {
  const diffs = a.replicates.map((v, i) => v - b.replicates[i]!);
  const { p, valid } = bootstrapP(diffs);
  const diff = a.observed - b.observed;
  return {
    metric,
    layerA,
    layerB,
    category,
    valueA: a.observed,
    ciA: percentileInterval(a.replicates),
    valueB: b.observed,
    ciB: percentileInterval(b.replicates),
    diff,
    ciDiff: percentileInterval(diffs),
    z: diff / sd(diffs),
    p: Number.isFinite(diff) ? p : NaN,
    q: NaN,
    iterations: valid,
  };
}

/** Least-squares slope of y on x over the finite pairs (NaN with fewer than 2). */
export function slope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(y[i]!)) continue;
    n++;
    sx += x[i]!;
    sy += y[i]!;
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(y[i]!)) continue;
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) * (x[i]! - mx);
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

/** Observed and replicate slopes of the proportion on relative depth i / (L - 1) for one target. */
function proportionSlope(run: RunReplicates, target: number): { observed: number; replicates: Float64Array } {
  const L = run.layers.length;
  const depth = Float64Array.from({ length: L }, (_, i) => (L === 1 ? 0 : i / (L - 1)));
  const metric = REPLICATE_METRICS.indexOf('proportion');
  const at = (j: number) => slope(depth, Float64Array.from({ length: L }, (_, l) => run.values[l]![(target * REPLICATE_METRICS.length + metric) * (run.iterations + 1) + j]!));
  return { observed: at(0), replicates: Float64Array.from({ length: run.iterations }, (_, b) => at(b + 1)) };
}

/**
 * Every compared metric for the aligned layer pairs and the targets both runs have, plus the slope of the
 * proportion with depth per target. q is BH across the rows of each metric (layers x categories).
 */
export function compareReplicates(a: RunReplicates, b: RunReplicates, pairs: readonly (readonly [number, number])[]): ImageComparisonRow[] {
  if (a.iterations !== b.iterations) throw new RangeError(`the runs' bootstraps have ${a.iterations} and ${b.iterations} iterations`);
  const rows: ImageComparisonRow[] = [];
  const shared = a.targets.filter((t) => b.targets.includes(t));
  for (const metric of COMPARED_METRICS) {
    const m = REPLICATE_METRICS.indexOf(metric);
    const group: ImageComparisonRow[] = [];
    for (const [i, j] of pairs) {
      for (const category of shared) {
        group.push(row(metric, a.layers[i]!, b.layers[j]!, category, series(a, i, a.targets.indexOf(category), m), series(b, j, b.targets.indexOf(category), m)));
      }
    }
    const q = adjustPValues(Float64Array.from(group, (r) => r.p), 'bh');
    group.forEach((r, k) => (r.q = q[k]!));
    rows.push(...group);
  }
  const slopes = shared.map((category) => row('proportion_slope', null, null, category, proportionSlope(a, a.targets.indexOf(category)), proportionSlope(b, b.targets.indexOf(category))));
  const q = adjustPValues(Float64Array.from(slopes, (r) => r.p), 'bh');
  slopes.forEach((r, k) => (r.q = q[k]!));
  rows.push(...slopes);
  return rows;
}
