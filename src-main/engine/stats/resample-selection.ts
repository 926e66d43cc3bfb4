// The selection of a recipe, re-run on the unit subset of one bootstrap resample (docs/method.md#image-bootstrap).
// It decides the same units as the recipe's own arithmetic (recipes.ts) on the same statistics, but keeps
// only the masks, and finds each FDR threshold without sorting or a p-value per unit, since it runs
// iterations x layers x models times (and skips the pairs whose targets have no unit left):
// - the rejection set of BH at level alpha is {p < k* alpha / m}, where k* is the largest k with
//   #{p < k alpha / m} >= k; iterating k <- #{p < k alpha / m} from k = m falls to exactly k*;
// - "p < thr" is decided on |t| against the critical t of thr, the exact p evaluated only for units
//   within rounding of it (pooled tests share one df; Welch df lie between the smallest and largest
//   of the contrast, and p falls as df grows, so the two critical values bound the undecided band).
// The family of a correction is the whole layer: BH is unchanged when a random subset stands for it (its
// thresholds scale with the rank fraction k / m); BY's harmonic factor and Bonferroni's m use the layer's
// size, estimated as the subset's defined tests times `familyScale` (layer units / subset units).
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { effectiveSettings, ranksAcrossLayers, type RecipeSettings } from '../../contract/recipe-table.ts';
import { EngineError } from '../errors.ts';
import type { CategoryDef, LayerStats } from '../pipeline-types.ts';
import { studentTwoSidedP } from './distributions.ts';
import type { FdrMethod } from './fdr.ts';
import { comparisonSet, targetIndices, topKMasks } from './recipes.ts';
import { categoryMoments, pooledMoments, statsUnits, type GroupMoments } from './sufficient.ts';
import { dPrime, tStatistics, type Variance } from './ttest.ts';

/** Why a recipe's selection cannot be re-run per resample from a unit subset (null: it can). */
export function resamplingRefusal(recipe: RecipeSettings): string | null {
  if (recipe.recipe === 'ranksum-maxp') return 'ranksum-maxp ranks every image per unit, which a resample of images changes for each unit and iteration; compare ranksum-maxp runs with the descriptive unit-level tests, or reanalyse them with a t-based recipe';
  if (ranksAcrossLayers(recipe)) return 'top-k across layers ranks the units of every layer together, which a per-layer unit subset does not represent; reanalyse with topkScope layer';
  return null;
}

/** One contrast's t and, for Welch, each unit's df (NaN df: scipy's df = 1). */
interface Contrast {
  t: Float64Array;
  df: number | Float64Array;
}

function contrast(a: GroupMoments, b: GroupMoments, variance: Variance, t: Float64Array): Contrast {
  tStatistics(a, b, variance, t);
  if (variance === 'pooled') return { t, df: a.n + b.n - 2 };
  const units = t.length;
  const df = new Float64Array(units);
  for (let u = 0; u < units; u++) {
    const va = a.m2[u]! / (a.n - 1) / a.n;
    const vb = b.m2[u]! / (b.n - 1) / b.n;
    const d = ((va + vb) * (va + vb)) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
    df[u] = Number.isNaN(d) ? 1 : d;
  }
  return { t, df };
}

/** |t| above which p < thr for `df` (two-sided). */
function criticalT(thr: number, df: number): number {
  return -tQuantile(thr / 2, df);
}

/** The smallest and largest df of a contrast: they bound the band of |t| that needs an exact p. */
function dfRange(c: Contrast): { low: number; high: number } {
  if (typeof c.df === 'number') return { low: c.df, high: c.df };
  let low = Infinity;
  let high = -Infinity;
  for (let u = 0; u < c.df.length; u++) {
    if (c.df[u]! < low) low = c.df[u]!;
    if (c.df[u]! > high) high = c.df[u]!;
  }
  return { low, high };
}

/**
 * Keeps in ids[0..n) the units with p < thr (order kept) and returns how many. Undefined (NaN) tests
 * never count. Thresholds only fall within a contrast, so a unit dropped at one threshold is dropped at
 * every smaller one: each pass scans the survivors of the last, not the layer.
 */
function keepBelow(c: Contrast, thr: number, df: { low: number; high: number }, ids: Int32Array, n: number): number {
  const t = c.t;
  if (!(thr < 1)) {
    // p <= 1 always, so p < thr (> 1) holds for every defined test.
    let kept = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(t[ids[i]!]!)) ids[kept++] = ids[i]!;
    return kept;
  }
  // Sure above the band: p < thr even at the smallest df; sure below: p >= thr even at the largest.
  const sure = criticalT(thr, df.low) * (1 + 1e-9);
  const never = criticalT(thr, df.high) * (1 - 1e-9);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const u = ids[i]!;
    const s = Math.abs(t[u]!);
    // NaN fails both comparisons.
    if (s > sure || (s >= never && studentTwoSidedP(t[u]!, typeof c.df === 'number' ? c.df : c.df[u]!) < thr)) ids[kept++] = u;
  }
  return kept;
}

/** The harmonic number H_m (BY's factor), exactly summed for small m, else its asymptotic series. */
function harmonic(m: number): number {
  if (m <= 1000) {
    let h = 0;
    for (let i = 1; i <= m; i++) h += 1 / i;
    return h;
  }
  return Math.log(m) + 0.5772156649015329 + 1 / (2 * m) - 1 / (12 * m * m);
}

/** Slack on alpha for the first pass: BH's first threshold k level / m with k = m may round above level. */
const FIRST_PASS_SLACK = 1 + 1e-6;

/**
 * The units whose corrected q is below alpha (adjustPValues' q < alpha), the family scaled to the layer:
 * their indices, ascending, in ids[0..returned). One pass over the contrast counts its defined tests and
 * keeps the units that could pass any threshold of the correction (every one is at most alpha); the
 * passes of keepBelow then decide on those. `ids` is scratch of at least the contrast's units.
 */
function rejectFdr(c: Contrast, method: FdrMethod, alpha: number, familyScale: number, ids: Int32Array): number {
  const t = c.t;
  const df = dfRange(c);
  const loosest = alpha * FIRST_PASS_SLACK;
  const never = loosest < 1 ? criticalT(loosest, df.high) * (1 - 1e-9) : 0;
  let m = 0;
  let n = 0;
  for (let u = 0; u < t.length; u++) {
    const s = Math.abs(t[u]!);
    if (Number.isNaN(s)) continue;
    m++;
    if (s >= never) ids[n++] = u;
  }
  if (m === 0) return 0;
  if (method === 'none') return keepBelow(c, alpha, df, ids, n);
  const layerFamily = Math.max(m, Math.round(m * familyScale));
  if (method === 'bonferroni') return keepBelow(c, alpha / layerFamily, df, ids, n);
  // k <- #{p < k level / m} from k = m falls to k*; the counts never grow, so the pass that keeps k
  // units (k = k*) has kept exactly the rejections.
  const level = method === 'by' ? alpha / harmonic(layerFamily) : alpha;
  let k = m;
  for (;;) {
    n = keepBelow(c, (k * level) / m, df, ids, n);
    if (n >= k || n === 0) return n;
    k = n;
  }
}

/** Keeps in alive[0..n) (ascending) the units also in kept[0..count) (ascending) with sign * t > 0; returns how many. */
function intersectPositive(alive: Int32Array, n: number, kept: Int32Array, count: number, t: Float64Array, sign: number): number {
  let out = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const u = alive[i]!;
    while (j < count && kept[j]! < u) j++;
    if (j < count && kept[j] === u && sign * t[u]! > 0) alive[out++] = u;
  }
  return out;
}

/** A mask over `units` from ascending unit indices. */
function maskOf(units: number, ids: Int32Array, n: number): Uint8Array {
  const mask = new Uint8Array(units);
  for (let i = 0; i < n; i++) mask[ids[i]!] = 1;
  return mask;
}

/**
 * The recipe's selective units of every target (run order), over the units of `stats`. Refuses the
 * recipes whose selection a unit subset cannot represent (resamplingRefusal).
 */
export function selectOnSubset(stats: LayerStats, categories: readonly CategoryDef[], settings: RecipeSettings, familyScale: number): Uint8Array[] {
  const refusal = resamplingRefusal(settings);
  if (refusal) throw new EngineError('unsupported', refusal);
  const recipe = effectiveSettings(settings);
  const units = statsUnits(stats);
  const targets = targetIndices(categories);
  const t = new Float64Array(units);
  const ids = new Int32Array(units);
  if (recipe.recipe === 'pairwise-t' || recipe.recipe === 'prince2024') {
    const sets = new Map(targets.map((c) => [c, comparisonSet(categories, c, recipe)] as const));
    // Each target's units still selective (ascending); a target whose list is empty stays empty, so a
    // pair whose every target is empty decides nothing.
    const alive = new Map(
      targets.map((c) => {
        const n = sets.get(c)!.length > 0 ? units : 0;
        const entry = { units: new Int32Array(n), n };
        for (let u = 0; u < n; u++) entry.units[u] = u;
        return [c, entry];
      }),
    );
    const needs = (a: number, b: number) => (alive.get(a)?.n ?? 0) > 0 && sets.get(a)!.includes(b);
    for (let a = 0; a < categories.length; a++) {
      for (let b = a + 1; b < categories.length; b++) {
        if (!needs(a, b) && !needs(b, a)) continue;
        const test = contrast(categoryMoments(stats, a), categoryMoments(stats, b), recipe.variance, t);
        const kept = rejectFdr(test, recipe.fdr, recipe.alpha, familyScale, ids);
        const update = (target: number, sign: number) => {
          const left = alive.get(target)!;
          left.n = intersectPositive(left.units, left.n, ids, kept, t, sign);
        };
        if (needs(a, b)) update(a, 1);
        if (needs(b, a)) update(b, -1);
      }
    }
    return targets.map((c) => maskOf(units, alive.get(c)!.units, alive.get(c)!.n));
  }
  return targets.map((c) => {
    const set = comparisonSet(categories, c, recipe);
    const mask = new Uint8Array(units);
    if (set.length === 0) return mask;
    const target = categoryMoments(stats, c);
    const rest = pooledMoments(stats, set);
    if (recipe.recipe === 'dprime') {
      const d = dPrime(target, rest, t);
      for (let u = 0; u < units; u++) mask[u] = d[u]! > recipe.dprime ? 1 : 0;
      return mask;
    }
    const test = contrast(target, rest, 'welch', t);
    if (recipe.recipe === 'top-k') return topKMasks([test.t], recipe.topk)[0]!;
    const kept = rejectFdr(test, recipe.fdr, recipe.alpha, familyScale, ids);
    for (let i = 0; i < kept; i++) if (t[ids[i]!]! > 0) mask[ids[i]!] = 1;
    return mask;
  });
}
