// Layer metrics of docs/method.md#layer-metrics from the per-unit results of one layer: proportion,
// overlap, CSI distribution, feature-map (channel) distribution, spatial localization and activation
// strength. Undefined values are NaN (no selective units, a 1 x 1 map, a single channel).
import type { CategoryDef, LayerAnalysis, LayerMetrics, LayerStats, UnitResults } from '../pipeline-types.ts';
import { tapPositions, unitChannel, unitPosition } from '../pipeline-types.ts';
import { categoryMoments, statsUnits } from './sufficient.ts';

/** Normalized Shannon entropy -sum p ln p / ln n of non-negative counts; 1 = perfectly even. */
export function normalizedEntropy(counts: ArrayLike<number>): number {
  const n = counts.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i]!;
  if (n < 2 || !(total > 0)) return NaN;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c > 0) {
      const p = c / total;
      h -= p * Math.log(p);
    }
  }
  return h / Math.log(n);
}

/** Largest count sorted by counting (the bootstrap sorts channel counts per target and iteration). */
const COUNTING_SORT_MAX = 1 << 16;

/**
 * The values in ascending order: by counting when they are all small non-negative integers (unit counts,
 * the usual case), else by a numeric sort. Both give the same array, so the sums over it are the same.
 */
function sortedAscending(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < COUNTING_SORT_MAX)) return Float64Array.from(values).sort();
    if (v > max) max = v;
  }
  const histogram = new Int32Array(max + 1);
  for (let i = 0; i < n; i++) histogram[values[i]!]!++;
  const sorted = new Float64Array(n);
  let at = 0;
  for (let v = 0; v <= max; v++) for (let c = histogram[v]!; c > 0; c--) sorted[at++] = v;
  return sorted;
}

/** Gini coefficient of non-negative counts (0 = even, (n - 1) / n = all in one): sum (2i - n - 1) x_(i) / (n sum x). */
export function gini(counts: ArrayLike<number>): number {
  const sorted = sortedAscending(counts);
  const n = sorted.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i]!;
    weighted += (2 * (i + 1) - n - 1) * sorted[i]!;
  }
  return n === 0 || !(total > 0) ? NaN : weighted / (n * total);
}

/** Share of the total held by the top ceil(10 %) of entries. */
export function topShare(counts: ArrayLike<number>, fraction = 0.1): number {
  const sorted = sortedAscending(counts);
  const n = sorted.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += sorted[i]!;
  if (n === 0 || !(total > 0)) return NaN;
  const top = Math.max(1, Math.ceil(fraction * n));
  let held = 0;
  for (let i = n - top; i < n; i++) held += sorted[i]!;
  return held / total;
}

/** Percentile with linear interpolation between order statistics (numpy's default), of sorted values. */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (q / 100) * (n - 1);
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Mean response of the layer to all images: sum_k n_k sum_u m_k(u) / (N * units). */
export function layerMeanResponse(stats: LayerStats): number {
  const units = statsUnits(stats);
  let total = 0;
  let n = 0;
  for (let k = 0; k < stats.count.length; k++) {
    const nk = stats.count[k]!;
    if (nk === 0) continue;
    let s = 0;
    for (let u = 0; u < units; u++) s += stats.mean[k * units + u]!;
    total += nk * s;
    n += nk;
  }
  return n === 0 || units === 0 ? NaN : total / (n * units);
}

/** Metrics, channel counts and density map for one target category; `targetMean` is its mean response per unit. */
function categoryMetrics(stats: LayerStats, r: UnitResults, targetMean: Float64Array, layerMean: number): { metrics: LayerMetrics; channelCounts: Float64Array; density: Float64Array } {
  const tap = stats.tap;
  const channels = tap.channels;
  const plane = tapPositions(tap);
  const units = statsUnits(stats);
  const channelCounts = new Float64Array(channels);
  const density = new Float64Array(plane);
  let selected = 0;
  let activation = 0;
  const csi: number[] = [];
  for (let u = 0; u < units; u++) {
    if (!r.selective[u]) continue;
    selected++;
    channelCounts[unitChannel(tap, u)]!++;
    density[unitPosition(tap, u)]!++;
    activation += targetMean[u]!;
    if (!Number.isNaN(r.csi[u]!)) csi.push(r.csi[u]!);
  }
  // Spatial metrics are over the grid (method.md #spatial): a transformer's class token is a position of
  // its own in the density map, outside the patch-token grid.
  const grid = density.subarray(plane - tap.height * tap.width);
  const csiSorted = Float64Array.from(csi).sort();
  let csiSum = 0;
  for (const v of csiSorted) csiSum += v;
  let channelsUsed = 0;
  for (const c of channelCounts) if (c > 0) channelsUsed++;
  const activationRaw = selected === 0 ? NaN : activation / selected;
  const metrics: LayerMetrics = {
    units,
    selectiveCount: selected,
    proportion: units === 0 ? NaN : selected / units,
    csiMean: csiSorted.length === 0 ? NaN : csiSum / csiSorted.length,
    csiMedian: percentileSorted(csiSorted, 50),
    csiQ1: percentileSorted(csiSorted, 25),
    csiQ3: percentileSorted(csiSorted, 75),
    channelFraction: channels === 0 ? NaN : channelsUsed / channels,
    channelEntropy: normalizedEntropy(channelCounts),
    channelGini: gini(channelCounts),
    top10Share: topShare(channelCounts, 0.1),
    spatialEntropy: grid.length > 1 ? normalizedEntropy(grid) : NaN,
    spatialGini: grid.length > 1 ? gini(grid) : NaN,
    activationRaw,
    activationNormalized: activationRaw / layerMean,
  };
  return { metrics, channelCounts, density };
}

/** Units selective for exactly 0, 1, 2, ... target categories. */
export function overlapCounts(results: readonly UnitResults[], units: number): number[] {
  const overlap = new Array<number>(results.length + 1).fill(0);
  for (let u = 0; u < units; u++) {
    let n = 0;
    for (const r of results) n += r.selective[u]!;
    overlap[n]!++;
  }
  return overlap;
}

/** Assembles a LayerAnalysis from the per-unit results of one layer (`categories`: the run's, in the statistics' order). */
export function layerAnalysis(stats: LayerStats, categories: readonly CategoryDef[], results: UnitResults[]): LayerAnalysis {
  const layerMean = layerMeanResponse(stats);
  const analysis: LayerAnalysis = { tap: stats.tap, units: results, metrics: {}, density: {}, channelCounts: {}, overlap: overlapCounts(results, statsUnits(stats)) };
  for (const r of results) {
    const c = categories.findIndex((k) => k.name === r.category);
    const m = categoryMetrics(stats, r, categoryMoments(stats, c).mean, layerMean);
    analysis.metrics[r.category] = m.metrics;
    analysis.density[r.category] = m.density;
    analysis.channelCounts[r.category] = m.channelCounts;
  }
  return analysis;
}
