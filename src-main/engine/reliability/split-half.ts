// Split-half reliability from grouped sufficient statistics. Each category's images are dealt (seeded)
// into at most `groupsPerCategory` groups, one "pseudo-category" each, and one extraction pass gives every
// group's n, mean and M2. A split then picks, per category, a random half of its groups; each half's
// statistics are the exact pooled moments of its groups (no second inference pass), the run's recipe is
// applied to both halves, and the halves' selective sets (Dice) and CSI (Pearson r) are compared per
// layer x category. With one image per group (categories up to groupsPerCategory images) the halves are
// exact random halves of the images; with larger categories they are random halves of the groups.
import type { ReliabilityRow } from '../../contract/analysis-types.ts';
import { needsPerImage, type RecipeSettings } from '../../contract/recipe.ts';
import type { CategoryDef, LayerStats, StimulusRef } from '../pipeline-types.ts';
import { createRng } from '../random.ts';
import { pooledMoments, statsUnits } from '../stats/sufficient.ts';
import { topKMasks, unitResults } from '../stats/recipes.ts';
import { meanSd, pearson, setAgreement } from './overlap.ts';

export const DEFAULT_GROUPS_PER_CATEGORY = 16;
export const DEFAULT_SPLITS = 10;

export interface GroupLayout {
  /** Per category k, the pseudo-category indices of its groups. */
  groups: number[][];
  /** Total number of groups (pseudo-categories). */
  total: number;
  /** The images relabelled with their group's pseudo-category. */
  images: StimulusRef[];
}

/** Deals each category's images (shuffled with `seed`) round-robin into min(n_k, cap) groups. */
export function planGroups(images: readonly StimulusRef[], categories: number, cap: number, seed: number): GroupLayout {
  if (!Number.isInteger(cap) || cap < 2) throw new RangeError(`groups per category must be an integer >= 2, got ${cap}`);
  const rng = createRng(seed);
  const groups: number[][] = [];
  const relabelled: StimulusRef[] = [];
  let total = 0;
  for (let k = 0; k < categories; k++) {
    const own = rng.shuffle(images.filter((i) => i.category === k).sort((a, b) => a.id - b.id));
    if (own.length < 2) throw new RangeError(`category ${k} has ${own.length} image(s); split halves need at least 2 per category`);
    const g = Math.min(own.length, cap);
    groups.push(Array.from({ length: g }, (_, j) => total + j));
    own.forEach((img, j) => relabelled.push({ ...img, category: total + (j % g) }));
    total += g;
  }
  return { groups, total, images: relabelled };
}

/** The K-category statistics of the union of the chosen groups of every category. */
export function halfStats(grouped: LayerStats, chosen: readonly (readonly number[])[]): LayerStats {
  const units = statsUnits(grouped);
  const K = chosen.length;
  const out: LayerStats = { tap: grouped.tap, count: new Float64Array(K), mean: new Float64Array(K * units), m2: new Float64Array(K * units) };
  chosen.forEach((ks, k) => {
    const m = pooledMoments(grouped, ks);
    out.count[k] = m.n;
    out.mean.set(m.mean, k * units);
    out.m2.set(m.m2, k * units);
  });
  return out;
}

/** Per category, a random half of its groups (floor(G/2)) and the rest. */
export function drawSplit(layout: GroupLayout, rng: ReturnType<typeof createRng>): { a: number[][]; b: number[][] } {
  const a: number[][] = [];
  const b: number[][] = [];
  for (const gs of layout.groups) {
    const shuffled = rng.shuffle([...gs]);
    const half = Math.floor(gs.length / 2);
    a.push(shuffled.slice(0, half).sort((x, y) => x - y));
    b.push(shuffled.slice(half).sort((x, y) => x - y));
  }
  return { a, b };
}

/** Selective masks and CSI of every target category for every layer, with top-k global handled across layers. */
function selections(layers: readonly LayerStats[], categories: readonly CategoryDef[], recipe: RecipeSettings) {
  const global = recipe.recipe === 'top-k' && recipe.topkScope === 'global';
  const perLayer = layers.map((s) => unitResults(s, categories, recipe, { deferTopK: global }));
  if (global && perLayer.length > 0) {
    for (let c = 0; c < perLayer[0]!.length; c++) {
      const masks = topKMasks(perLayer.map((rs) => rs[c]!.tMin), recipe.topk);
      perLayer.forEach((rs, l) => rs[c]!.selective.set(masks[l]!));
    }
  }
  return perLayer;
}

export interface SplitHalfOptions {
  splits: number;
  seed: number;
  /** Called after each split (progress). */
  onSplit?: (done: number, total: number) => void;
}

/**
 * Split-half reliability of every layer x target category. `grouped[l]` are layer l's statistics over the
 * layout's pseudo-categories. The recipe must work from sufficient statistics (not ranksum-maxp).
 */
export function splitHalfReliability(grouped: readonly LayerStats[], layout: GroupLayout, categories: readonly CategoryDef[], recipe: RecipeSettings, options: SplitHalfOptions): ReliabilityRow[] {
  if (needsPerImage(recipe)) throw new RangeError(`split-half reliability works from sufficient statistics; ${recipe.recipe} needs per-image responses`);
  const rng = createRng(options.seed);
  const dice: number[][][] = grouped.map(() => []);
  const csiR: number[][][] = grouped.map(() => []);
  const sizes: { a: number; b: number }[][] = grouped.map(() => []);
  for (let s = 0; s < options.splits; s++) {
    const split = drawSplit(layout, rng);
    const resA = selections(grouped.map((g) => halfStats(g, split.a)), categories, recipe);
    const resB = selections(grouped.map((g) => halfStats(g, split.b)), categories, recipe);
    grouped.forEach((_, l) => {
      resA[l]!.forEach((ra, c) => {
        const rb = resB[l]![c]!;
        const agreement = setAgreement(ra.selective, rb.selective);
        (dice[l]![c] ??= []).push(agreement.dice);
        (csiR[l]![c] ??= []).push(pearson(ra.csi, rb.csi).r);
        const size = (sizes[l]![c] ??= { a: 0, b: 0 });
        size.a += agreement.a;
        size.b += agreement.b;
      });
    });
    options.onSplit?.(s + 1, options.splits);
  }
  const targets = categories.filter((c) => c.role === 'target');
  return grouped.flatMap((g, l) =>
    targets.map((cat, c) => {
      const d = dice[l]![c] ?? [];
      const r = csiR[l]![c] ?? [];
      return {
        layer: g.tap.name,
        category: cat.name,
        units: statsUnits(g),
        dice: { ...meanSd(d), values: d },
        csiR: { ...meanSd(r), values: r },
        selectedA: (sizes[l]![c]?.a ?? 0) / options.splits,
        selectedB: (sizes[l]![c]?.b ?? 0) / options.splits,
      };
    }),
  );
}
