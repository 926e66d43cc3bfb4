// Selection recipes of docs/method.md#recipes, and every per-unit value they report for a target
// category: selective flag, CSI, tMin / pMax / qMax, category means, d' vs others and vs the second-best
// category, mean pairwise t. Everything but ranksum-maxp works from sufficient statistics alone. Which
// settings a recipe uses and fixes comes from the recipe table (contract/recipe-table.ts); SELECTORS holds
// each recipe's arithmetic. The analysis of a layer (unitResults) computes only what the selection,
// storage and layer metrics need (UnitResults); the rest is derived per unit when read
// (derivedUnitValues), from the same functions, so both give the same bits.
import { effectiveSettings, recipeSpec, usesParameter, type RecipeName, type RecipeSettings } from '../../contract/recipe-table.ts';
import type { CategoryDef, LayerStats, UnitResults } from '../pipeline-types.ts';
import { adjustPValues, type FdrMethod } from './fdr.ts';
import { categoryMoments, pooledMoments, statsUnits } from './sufficient.ts';
import { dPrime, sampleVariance, tStatistics, tTest, type Variance } from './ttest.ts';

/** Indices of the target categories, in run order (UnitResults come in this order). */
export function targetIndices(categories: readonly CategoryDef[]): number[] {
  const out: number[] = [];
  categories.forEach((c, k) => {
    if (c.role === 'target') out.push(k);
  });
  return out;
}

/**
 * The categories target c is compared with. Pairwise recipes honour `against`: all others, the other
 * targets only, or the other targets plus the controls that name c as the target they control for.
 * The one-vs-rest recipes (vs-rest, top-k, dprime) and ranksum-maxp always use all other categories.
 */
export function comparisonSet(categories: readonly CategoryDef[], c: number, recipe: RecipeSettings): number[] {
  const pairwise = usesParameter(recipe.recipe, 'against');
  const self = categories[c]!;
  const out: number[] = [];
  categories.forEach((cat, k) => {
    if (k === c) return;
    if (!pairwise || recipe.against === 'all') out.push(k);
    else if (cat.role === 'target') out.push(k);
    else if (recipe.against === 'targets+own-control' && cat.controlsFor === self.name) out.push(k);
  });
  return out;
}

/** Per-image evidence that sufficient statistics cannot give: ranksum-maxp's largest pairwise p. */
export interface PerImageEvidence {
  /**
   * For every category k (all K, run order), per unit: the largest two-sided Mann-Whitney p over the
   * other categories. See ranksum.ts.
   */
  rankSumMaxP: Float64Array[];
}

function newUnitResults(name: string, units: number): UnitResults {
  const f = () => new Float64Array(units);
  return { category: name, selective: new Uint8Array(units), csi: f(), tMin: f(), qMax: f() };
}

/**
 * CSI = (m_c - m_o) / (|m_c| + |m_o|), NaN when both are 0, into `csi`; m_o = mean of the compared
 * categories' means, into `meanOthers`, which must start at zero (the means are summed into it).
 */
function fillCsi(stats: LayerStats, c: number, set: readonly number[], meanOthers: Float64Array, csi: Float64Array): void {
  const units = statsUnits(stats);
  const mc = categoryMoments(stats, c).mean;
  const mo = meanOthers;
  if (set.length === 0) mo.fill(NaN);
  for (const k of set) {
    const mk = categoryMoments(stats, k).mean;
    for (let u = 0; u < units; u++) mo[u] = mo[u]! + mk[u]!;
  }
  for (let u = 0; u < units; u++) {
    const o = mo[u]! / set.length;
    mo[u] = o;
    const a = mc[u]!;
    const denom = Math.abs(a) + Math.abs(o);
    csi[u] = denom === 0 ? NaN : (a - o) / denom;
  }
}

/** d' of c vs the pooled compared categories; NaN when c is compared with nothing. */
function dPrimeVersusRest(stats: LayerStats, c: number, set: readonly number[], out: Float64Array): Float64Array {
  return set.length === 0 ? out.fill(NaN) : dPrime(categoryMoments(stats, c), pooledMoments(stats, set), out);
}

/** d' vs the compared category with the highest mean (Baek's FSI); NaN when c is compared with nothing. */
function dPrimeVersusSecond(stats: LayerStats, c: number, set: readonly number[], out: Float64Array): Float64Array {
  if (set.length === 0) return out.fill(NaN);
  const target = categoryMoments(stats, c);
  const groups = set.map((k) => categoryMoments(stats, k));
  for (let u = 0; u < out.length; u++) {
    let best = groups[0]!;
    for (let g = 1; g < groups.length; g++) if (groups[g]!.mean[u]! > best.mean[u]!) best = groups[g]!;
    const s = Math.sqrt((sampleVariance(target, u) + sampleVariance(best, u)) / 2);
    out[u] = (target.mean[u]! - best.mean[u]!) / s;
  }
  return out;
}

/**
 * The pair {c, k} as pairwiseRecipe tests it: once, lower index first, with the sign that turns its t
 * into c's (t(c, k) = -t(k, c) exactly, so every reader of c's pairwise t gets the analysis's bits).
 */
function orderedPair(c: number, k: number): [a: number, b: number, sign: number] {
  return c < k ? [c, k, 1] : [k, c, -1];
}

/** The mean of c's pairwise t over its compared categories (NaN when there are none). */
function meanPairwiseT(stats: LayerStats, c: number, set: readonly number[], variance: Variance, out: Float64Array): Float64Array {
  if (set.length === 0) return out.fill(NaN);
  out.fill(0);
  const t = new Float64Array(out.length);
  for (const k of set) {
    const [a, b, sign] = orderedPair(c, k);
    tStatistics(categoryMoments(stats, a), categoryMoments(stats, b), variance, t);
    for (let u = 0; u < out.length; u++) out[u] = out[u]! + sign * t[u]!;
  }
  for (let u = 0; u < out.length; u++) out[u] = out[u]! / set.length;
  return out;
}

/**
 * What a selector works on: one layer's sufficient statistics (K categories x units, run order), the
 * target categories with the categories each is compared with, and one UnitResults per target to fill.
 */
interface Selection {
  stats: LayerStats;
  categories: readonly CategoryDef[];
  /** The settings as the recipe applies them (effectiveSettings: prince2024's fixed tests). */
  recipe: RecipeSettings;
  targets: readonly number[];
  sets: ReadonlyMap<number, number[]>;
  results: ReadonlyMap<number, UnitResults>;
  perImage: PerImageEvidence | undefined;
  /** top-k with the global scope: the masks are chosen across layers afterwards (topKMasks). */
  deferTopK: boolean;
}

type Selector = (selection: Selection) => void;

/**
 * pairwise-t / prince2024. Each unordered pair {a, b} is tested once: t(b, a) = -t(a, b) with the same p
 * and the same family, hence the same q. A unit is c-selective iff t > 0 and q < alpha for every compared
 * category; NaN (undefined) contrasts propagate to tMin/qMax and never select.
 */
function pairwiseRecipe({ stats, categories, recipe, targets, sets, results }: Selection): void {
  const units = statsUnits(stats);
  const { variance, fdr } = recipe;
  for (const c of targets) {
    const r = results.get(c)!;
    const empty = sets.get(c)!.length === 0;
    r.tMin.fill(empty ? NaN : Infinity);
    r.qMax.fill(empty ? NaN : -Infinity);
    r.selective.fill(empty ? 0 : 1);
  }
  const needs = (a: number, b: number) => sets.get(a)?.includes(b) ?? false;
  const q = new Float64Array(units);
  // One set of t / p arrays serves every contrast of the layer (no garbage per contrast).
  const scratch = { t: new Float64Array(units), p: new Float64Array(units) };
  for (let a = 0; a < categories.length; a++) {
    for (let b = a + 1; b < categories.length; b++) {
      const forA = needs(a, b);
      const forB = needs(b, a);
      if (!forA && !forB) continue;
      const test = tTest(categoryMoments(stats, a), categoryMoments(stats, b), variance, scratch);
      adjustPValues(test.p, fdr, q);
      const update = (r: UnitResults, sign: number) => {
        for (let u = 0; u < units; u++) {
          const t = sign * test.t[u]!;
          r.tMin[u] = Math.min(r.tMin[u]!, t);
          r.qMax[u] = Math.max(r.qMax[u]!, q[u]!);
          if (!(t > 0 && q[u]! < recipe.alpha)) r.selective[u] = 0;
        }
      };
      if (forA) update(results.get(a)!, 1);
      if (forB) update(results.get(b)!, -1);
    }
  }
}

/** Welch t (and p unless `tOnly`) of c against all other images pooled: vs-rest, top-k strength, dprime's test columns. */
function restTest(stats: LayerStats, c: number, set: readonly number[], tOnly = false): { t: Float64Array; p?: Float64Array } {
  const rest = pooledMoments(stats, set);
  return tOnly ? { t: tStatistics(categoryMoments(stats, c), rest, 'welch') } : tTest(categoryMoments(stats, c), rest, 'welch');
}

function versusRest(stats: LayerStats, c: number, set: readonly number[], fdr: FdrMethod, r: UnitResults): void {
  const test = restTest(stats, c, set);
  r.tMin.set(test.t);
  adjustPValues(test.p!, fdr, r.qMax);
}

/**
 * Top k % of units by strength over the concatenation of `strengths` (one layer, or every layer for the
 * global scope): floor(pct / 100 * units) units, highest strength first, ties broken by position
 * (layer order, then unit index); NaN strengths are never selected. Returns one mask per input array.
 */
export function topKMasks(strengths: readonly Float64Array[], pct: number): Uint8Array[] {
  const total = strengths.reduce((s, a) => s + a.length, 0);
  const wanted = Math.floor((pct / 100) * total);
  const masks = strengths.map((a) => new Uint8Array(a.length));
  let valid = 0;
  for (const a of strengths) for (let u = 0; u < a.length; u++) if (!Number.isNaN(a[u]!)) valid++;
  const take = Math.min(wanted, valid);
  if (take === 0) return masks;
  const sorted = new Float64Array(valid);
  let j = 0;
  for (const a of strengths) for (let u = 0; u < a.length; u++) if (!Number.isNaN(a[u]!)) sorted[j++] = a[u]!;
  sorted.sort();
  const threshold = sorted[valid - take]!;
  let above = 0;
  for (let i = valid - take; i < valid; i++) if (sorted[i]! > threshold) above++;
  let tiesLeft = take - above;
  strengths.forEach((a, l) => {
    const mask = masks[l]!;
    for (let u = 0; u < a.length; u++) {
      const v = a[u]!;
      if (v > threshold) mask[u] = 1;
      else if (v === threshold && tiesLeft > 0) {
        mask[u] = 1;
        tiesLeft--;
      }
    }
  });
  return masks;
}

function argmaxCategory(stats: LayerStats): Int32Array {
  const units = statsUnits(stats);
  const K = stats.count.length;
  const best = new Int32Array(units);
  for (let u = 0; u < units; u++) {
    let kb = 0;
    let mb = stats.mean[u]!;
    for (let k = 1; k < K; k++) {
      const m = stats.mean[k * units + u]!;
      if (m > mb || (Number.isNaN(mb) && !Number.isNaN(m))) {
        mb = m;
        kb = k;
      }
    }
    best[u] = kb;
  }
  return best;
}

/** The recipes that judge each target on its own. */
function eachTarget(judge: (selection: Selection, c: number, set: readonly number[], r: UnitResults) => void): Selector {
  return (selection) => {
    for (const c of selection.targets) judge(selection, c, selection.sets.get(c)!, selection.results.get(c)!);
  };
}

/** ranksum-maxp's tMin: the smallest pairwise t, for context (the test itself is the rank test). */
function rankSumTMin(stats: LayerStats, c: number, set: readonly number[], variance: Variance, out: Float64Array): void {
  const units = statsUnits(stats);
  out.fill(Infinity);
  const t = new Float64Array(units);
  for (const k of set) {
    tStatistics(categoryMoments(stats, c), categoryMoments(stats, k), variance, t);
    for (let u = 0; u < units; u++) out[u] = Math.min(out[u]!, t[u]!);
  }
}

/** ranksum-maxp: preferred category c and every pairwise Mann-Whitney p below the threshold (per-image evidence). */
function rankSumRecipe(selection: Selection): void {
  const { stats, recipe } = selection;
  const units = statsUnits(stats);
  const preferred = argmaxCategory(stats);
  eachTarget(({ perImage }, c, set, r) => {
    rankSumTMin(stats, c, set, recipe.variance, r.tMin);
    const maxP = perImage!.rankSumMaxP[c]!;
    if (maxP.length !== units) throw new RangeError(`ranksum-maxp: ${maxP.length} p-values for ${units} units of ${stats.tap.name}`);
    r.qMax.set(maxP);
    for (let u = 0; u < units; u++) r.selective[u] = preferred[u] === c && maxP[u]! < recipe.ranksumP ? 1 : 0;
  })(selection);
}

/** Each recipe's arithmetic; what settings it uses is the recipe table's (contract/recipe-table.ts). */
const SELECTORS: Record<RecipeName, Selector> = {
  'pairwise-t': pairwiseRecipe,
  prince2024: pairwiseRecipe,
  'vs-rest': eachTarget(({ stats, recipe }, c, set, r) => {
    versusRest(stats, c, set, recipe.fdr, r);
    for (let u = 0; u < r.selective.length; u++) r.selective[u] = r.tMin[u]! > 0 && r.qMax[u]! < recipe.alpha ? 1 : 0;
  }),
  'ranksum-maxp': rankSumRecipe,
  'top-k': eachTarget(({ stats, recipe, deferTopK }, c, set, r) => {
    versusRest(stats, c, set, recipe.fdr, r);
    if (!deferTopK) r.selective.set(topKMasks([r.tMin], recipe.topk)[0]!);
  }),
  dprime: eachTarget(({ stats, recipe }, c, set, r) => {
    versusRest(stats, c, set, recipe.fdr, r);
    const d = dPrimeVersusRest(stats, c, set, new Float64Array(r.selective.length));
    for (let u = 0; u < r.selective.length; u++) r.selective[u] = d[u]! > recipe.dprime ? 1 : 0;
  }),
};

/**
 * The analysis of every target category of one layer (UnitResults: the selection, q and what the layer
 * metrics need; derivedUnitValues gives the rest). For top-k the mask is filled per layer here unless
 * `deferTopK` is set (the global scope selects across layers afterwards with topKMasks).
 */
export function unitResults(
  stats: LayerStats,
  categories: readonly CategoryDef[],
  recipe: RecipeSettings,
  options: { perImage?: PerImageEvidence; deferTopK?: boolean } = {},
): UnitResults[] {
  const K = categories.length;
  if (stats.count.length !== K) throw new RangeError(`layer ${stats.tap.name}: statistics have ${stats.count.length} categories, the run has ${K}`);
  if (recipeSpec(recipe.recipe).perImage && !options.perImage) {
    throw new RangeError(`${recipe.recipe} needs per-image responses (layer ${stats.tap.name}): pass perImage.rankSumMaxP`);
  }
  const units = statsUnits(stats);
  const targets = targetIndices(categories);
  const sets = new Map(targets.map((c) => [c, comparisonSet(categories, c, recipe)] as const));
  const results = new Map(targets.map((c) => [c, newUnitResults(categories[c]!.name, units)] as const));
  // One buffer for every target's others' mean: the analysis keeps only the CSI made from it.
  const meanOthers = new Float64Array(units);
  for (const c of targets) fillCsi(stats, c, sets.get(c)!, meanOthers.fill(0), results.get(c)!.csi);
  SELECTORS[recipe.recipe]({ stats, categories, recipe: effectiveSettings(recipe), targets, sets, results, perImage: options.perImage, deferTopK: options.deferTopK ?? false });
  return targets.map((c) => results.get(c)!);
}

/**
 * The per-unit values that are functions of each unit's own sufficient statistics alone: everything a
 * recipe gives a unit but q (Benjamini-Hochberg over the whole layer) and the selection (q, or a rank
 * over the layer). They are not stored (docs/storage.md, "Derived on read"): readers recompute them here for
 * just the units they show, so `stats` may hold any subset of a layer's units. Every value is elementwise,
 * so it is the same on any subset as over the whole layer, and the CSI and t are those unitResults gives
 * (the same t calls and min; test/engine/stats/derived-values.test.ts).
 */
export const DERIVED_FIELDS = ['csi', 'tMin', 'pMax', 'meanTarget', 'meanOthers', 'dprime', 'dprimeSecond', 'meanPairT'] as const;
export type DerivedField = (typeof DERIVED_FIELDS)[number];
export type DerivedValues = Partial<Record<DerivedField, Float64Array>>;

/**
 * The `fields` of target category c (index into `categories`) for the units of `stats`. ranksum-maxp's p
 * is per-image evidence, not a function of the statistics: it is the stored q (that recipe's q is its p),
 * passed as `qMax` (same units).
 */
export function derivedUnitValues(stats: LayerStats, categories: readonly CategoryDef[], recipe: RecipeSettings, c: number, fields: readonly DerivedField[], qMax: Float64Array): DerivedValues {
  const units = statsUnits(stats);
  const set = comparisonSet(categories, c, recipe);
  const wants = (f: DerivedField) => fields.includes(f);
  const out: DerivedValues = {};
  if (wants('meanTarget')) out.meanTarget = categoryMoments(stats, c).mean.slice();
  if (wants('csi') || wants('meanOthers')) {
    const meanOthers = new Float64Array(units);
    const csi = new Float64Array(units);
    fillCsi(stats, c, set, meanOthers, csi);
    if (wants('csi')) out.csi = csi;
    if (wants('meanOthers')) out.meanOthers = meanOthers;
  }
  if (wants('dprime')) out.dprime = dPrimeVersusRest(stats, c, set, new Float64Array(units));
  if (wants('dprimeSecond')) out.dprimeSecond = dPrimeVersusSecond(stats, c, set, new Float64Array(units));
  const effective = effectiveSettings(recipe);
  if (wants('meanPairT')) out.meanPairT = meanPairwiseT(stats, c, set, effective.variance, new Float64Array(units));
  if (wants('tMin') || wants('pMax')) Object.assign(out, derivedTests(stats, effective, c, set, wants('pMax'), qMax));
  return out;
}

/** tMin (and pMax when `withP`) as each recipe's selector computes them. */
function derivedTests(stats: LayerStats, recipe: RecipeSettings, c: number, set: readonly number[], withP: boolean, qMax: Float64Array): { tMin: Float64Array; pMax?: Float64Array } {
  const units = statsUnits(stats);
  const tMin = new Float64Array(units);
  switch (recipe.recipe) {
    case 'pairwise-t':
    case 'prince2024': {
      // The pair as pairwiseRecipe tests it, so t and p are the same bits.
      const empty = set.length === 0;
      tMin.fill(empty ? NaN : Infinity);
      const pMax = withP ? new Float64Array(units).fill(empty ? NaN : -Infinity) : undefined;
      const scratch = { t: new Float64Array(units), p: new Float64Array(units) };
      for (const k of set) {
        const [a, b, sign] = orderedPair(c, k);
        const ma = categoryMoments(stats, a);
        const mb = categoryMoments(stats, b);
        const t = pMax ? tTest(ma, mb, recipe.variance, scratch).t : tStatistics(ma, mb, recipe.variance, scratch.t);
        for (let u = 0; u < units; u++) {
          tMin[u] = Math.min(tMin[u]!, sign * t[u]!);
          if (pMax) pMax[u] = Math.max(pMax[u]!, scratch.p[u]!);
        }
      }
      return pMax ? { tMin, pMax } : { tMin };
    }
    case 'ranksum-maxp':
      rankSumTMin(stats, c, set, recipe.variance, tMin);
      return withP ? { tMin, pMax: qMax } : { tMin };
    case 'vs-rest':
    case 'top-k':
    case 'dprime': {
      const test = restTest(stats, c, set, !withP);
      return test.p ? { tMin: test.t, pMax: test.p } : { tMin: test.t };
    }
  }
}
