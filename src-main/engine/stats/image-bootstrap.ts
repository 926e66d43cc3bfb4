// Bootstrap replicates of one layer's metrics over images (docs/method.md#image-bootstrap). For each
// iteration b, every image i counts w_bi times (image-weights.ts); the weighted sufficient statistics of
// the layer's unit subset (unit-subset.ts) are exactly those of the resampled images, duplicates included,
// so the recipe's selection is re-run on them (resample-selection.ts) and every claim's metric is
// recomputed from the selection. Per category k the products W_k (B x n_k) x [X_k - m_k | (X_k - m_k)^2]
// (n_k x 2S), centered on the category's mean so float64 keeps the variance, give all iterations' sums at
// once; they run through the WeightedSums port, in blocks of iterations.
import type { RecipeSettings } from '../../contract/recipe-table.ts';
import { cancelledError } from '../errors.ts';
import { tapPositions, tapUnits, unitChannel, unitPosition, type CategoryDef, type LayerStats, type TapShape, type WeightedSums } from '../pipeline-types.ts';
import { gini, normalizedEntropy, percentileSorted } from './layer-metrics.ts';
import { comparisonSet, targetIndices } from './recipes.ts';
import { selectOnSubset } from './resample-selection.ts';
import type { UnitSubset } from './unit-subset.ts';

/** The metrics each replicate holds per target, in this order (docs/method.md#comparison names them). */
export const REPLICATE_METRICS = ['proportion', 'csi_median', 'csi_mean', 'channel_entropy', 'channel_gini', 'spatial_entropy', 'spatial_gini', 'activation', 'selective'] as const;
export type ReplicateMetric = (typeof REPLICATE_METRICS)[number];

export interface LayerReplicateInput {
  tap: TapShape;
  subset: UnitSubset;
  /** Per-image responses of the subset's units: images x subset units, row-major, in `imageCategories` order. */
  rows: Float32Array;
  imageCategories: ArrayLike<number>;
  categories: readonly CategoryDef[];
  recipe: RecipeSettings;
  /** iterations x images (image-weights.ts), in the same image order. */
  weights: Float64Array;
  iterations: number;
  sums: WeightedSums;
  /** Iterations per product (memory: categories x block x 2 x subset units float64). */
  block?: number;
  /** Asked before each block of iterations: true stops the layer with the cancelled error. */
  stopped?: () => boolean;
}

/**
 * A layer's replicates as a worker computes them: the input without the GEMM port (the worker's own) and
 * with `stop` for `stopped`: a shared flag the caller sets to 1 to cancel (a worker cannot be terminated
 * safely while the runtime runs in it).
 */
export type ReplicateTask = Omit<LayerReplicateInput, 'sums' | 'stopped'> & { stop: Int32Array };

/**
 * Replicates of one layer: values[(target * M + metric) * (iterations + 1) + j], M = REPLICATE_METRICS.length,
 * targets in run order; j = 0 is the observed value (every image once), j = 1 + b iteration b. A replicate in
 * which a category has fewer than 2 images is NaN throughout (its tests are undefined).
 */
export async function layerReplicates(input: LayerReplicateInput): Promise<Float64Array> {
  const { tap, subset, rows, imageCategories, categories, recipe, weights, iterations } = input;
  const S = subset.units.length;
  const N = imageCategories.length;
  const K = categories.length;
  if (rows.length !== N * S) throw new RangeError(`layer ${tap.name}: ${rows.length} responses for ${N} images x ${S} subset units`);
  if (weights.length !== iterations * N) throw new RangeError(`layer ${tap.name}: ${weights.length} weights for ${iterations} iterations x ${N} images`);
  const targets = targetIndices(categories);
  const M = REPLICATE_METRICS.length;
  const R = iterations + 1;
  const values = new Float64Array(targets.length * M * R).fill(NaN);
  // Images of each category and the data they contribute, centered on the category's mean.
  const members = Array.from({ length: K }, () => [] as number[]);
  for (let i = 0; i < N; i++) members[imageCategories[i]!]!.push(i);
  const centers = members.map((idx) => {
    const m = new Float64Array(S);
    for (const i of idx) for (let u = 0; u < S; u++) m[u] = m[u]! + rows[i * S + u]!;
    for (let u = 0; u < S; u++) m[u] = m[u]! / idx.length;
    return m;
  });
  const data = members.map((idx, k) => {
    const d = new Float64Array(idx.length * 2 * S);
    const m = centers[k]!;
    idx.forEach((i, r) => {
      for (let u = 0; u < S; u++) {
        const x = rows[i * S + u]! - m[u]!;
        d[r * 2 * S + u] = x;
        d[r * 2 * S + S + u] = x * x;
      }
    });
    return d;
  });
  const familyScale = tapUnits(tap) / S;
  const sets = new Map(targets.map((c) => [c, comparisonSet(categories, c, recipe)] as const));
  const subTap: TapShape = { name: tap.name, tensor: tap.tensor, channels: S, height: 1, width: 1 };
  const stats: LayerStats = { tap: subTap, count: new Float64Array(K), mean: new Float64Array(K * S), m2: new Float64Array(K * S) };
  const block = Math.max(1, input.block ?? 32);
  for (let r0 = 0; r0 < R; r0 += block) {
    if (input.stopped?.()) throw cancelledError('the image bootstrap');
    const rowsHere = Math.min(block, R - r0);
    // Replicate j's weight of image i: 1 for the observed (j = 0), else the iteration's Poisson count.
    const weightOf = (j: number, i: number) => (j === 0 ? 1 : weights[(j - 1) * N + i]!);
    const counts = members.map((idx) => {
      const c = new Float64Array(rowsHere);
      for (let r = 0; r < rowsHere; r++) for (const i of idx) c[r] = c[r]! + weightOf(r0 + r, i);
      return c;
    });
    const products = await Promise.all(
      members.map((idx, k) => {
        const w = new Float64Array(rowsHere * idx.length);
        for (let r = 0; r < rowsHere; r++) idx.forEach((i, col) => (w[r * idx.length + col] = weightOf(r0 + r, i)));
        return input.sums.multiply(w, rowsHere, data[k]!, idx.length, 2 * S);
      }),
    );
    for (let r = 0; r < rowsHere; r++) {
      let usable = true;
      for (let k = 0; k < K; k++) {
        const n = counts[k]![r]!;
        if (n < 2) usable = false;
        stats.count[k] = n;
        const sums = products[k]!;
        const m = centers[k]!;
        for (let u = 0; u < S; u++) {
          const s1 = sums[r * 2 * S + u]!;
          const s2 = sums[r * 2 * S + S + u]!;
          stats.mean[k * S + u] = m[u]! + s1 / n;
          stats.m2[k * S + u] = Math.max(0, s2 - (s1 * s1) / n);
        }
      }
      if (!usable) continue;
      const masks = selectOnSubset(stats, categories, recipe, familyScale);
      const layerMean = channelStratumMean(stats, subset);
      targets.forEach((c, t) => {
        const metrics = subsetMetrics(stats, c, sets.get(c)!, masks[t]!, subset, tap, layerMean);
        for (let q = 0; q < M; q++) values[(t * M + q) * R + r0 + r] = metrics[q]!;
      });
    }
  }
  return values;
}

/** The mean response over every image and the channel stratum's units: activation's denominator, the same for every target. */
function channelStratumMean(stats: LayerStats, subset: UnitSubset): number {
  const S = subset.units.length;
  let layerSum = 0;
  let images = 0;
  for (let k = 0; k < stats.count.length; k++) images += stats.count[k]!;
  for (const j of subset.channelStratum) for (let k = 0; k < stats.count.length; k++) layerSum += stats.count[k]! * stats.mean[k * S + j]!;
  return layerSum / (images * subset.channelStratum.length);
}

/** The metrics of REPLICATE_METRICS, in order, for target c from its mask over the subset. */
function subsetMetrics(stats: LayerStats, c: number, set: readonly number[], mask: Uint8Array, subset: UnitSubset, tap: TapShape, layerMean: number): number[] {
  const S = subset.units.length;
  const plane = tapPositions(tap);
  const gridSize = tap.height * tap.width;
  const mean = stats.mean;
  const channelCounts = new Float64Array(tap.channels);
  const csi: number[] = [];
  let selected = 0;
  let activation = 0;
  for (const j of subset.channelStratum) {
    if (!mask[j]) continue;
    selected++;
    channelCounts[unitChannel(tap, subset.units[j]!)]!++;
    const mc = mean[c * S + j]!;
    activation += mc;
    let mo = 0;
    for (const k of set) mo += mean[k * S + j]!;
    mo /= set.length;
    const denom = Math.abs(mc) + Math.abs(mo);
    if (denom !== 0) csi.push((mc - mo) / denom);
  }
  const density = new Float64Array(plane);
  for (const j of subset.spatialStratum) if (mask[j]) density[unitPosition(tap, subset.units[j]!)]!++;
  // Over the grid only, as the layer metrics (docs/method.md#spatial): a class token is outside it.
  const grid = density.subarray(plane - gridSize);
  const sorted = Float64Array.from(csi).sort();
  let csiSum = 0;
  for (const v of sorted) csiSum += v;
  return [
    selected / subset.channelStratum.length,
    percentileSorted(sorted, 50),
    sorted.length ? csiSum / sorted.length : NaN,
    normalizedEntropy(channelCounts),
    gini(channelCounts),
    gridSize > 1 ? normalizedEntropy(grid) : NaN,
    gridSize > 1 ? gini(grid) : NaN,
    selected ? activation / selected / layerMean : NaN,
    selected,
  ];
}
