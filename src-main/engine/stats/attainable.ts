// Whether a recipe's threshold can be reached at all with the images a run has (docs/method.md#attainable):
// an asymptotic rank-sum test of n1 against n2 images cannot give a p below the one of complete separation,
// so a threshold below that floor selects nothing whatever the network does, and the run says so (the
// ablation's floor, 1 / (controls + 1), is contract/analysis-types.ts ablationFloor).
import { effectiveSettings, type RecipeSettings } from '../../contract/recipe-table.ts';
import type { CategoryDef } from '../pipeline-types.ts';
import { normalSf } from './distributions.ts';
import { comparisonSet, targetIndices } from './recipes.ts';

/**
 * Smallest two-sided p of scipy.stats.mannwhitneyu(method='asymptotic') for groups of n1 and n2 without
 * ties: U at its largest, n1 n2, so z = (n1 n2 / 2 - 0.5) / sqrt(n1 n2 (n1 + n2 + 1) / 12), p = 2 sf(z).
 */
export function smallestRankSumP(n1: number, n2: number): number {
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return Math.min(1, 2 * normalSf((n1 * n2 - mu - 0.5) / sigma));
}

/** One sentence per contrast of the recipe that cannot reach its threshold with these category sizes. */
export function unreachableThresholds(settings: RecipeSettings, categories: readonly (CategoryDef & { images: number })[]): string[] {
  const recipe = effectiveSettings(settings);
  if (recipe.recipe !== 'ranksum-maxp') return [];
  const out: string[] = [];
  for (const c of targetIndices(categories)) {
    for (const k of comparisonSet(categories, c, recipe)) {
      const a = categories[c]!;
      const b = categories[k]!;
      const floor = smallestRankSumP(a.images, b.images);
      if (floor >= recipe.ranksumP) {
        out.push(`ranksum-maxp cannot select ${a.name} units: with ${a.images} ${a.name} and ${b.images} ${b.name} images the rank-sum p is at least ${floor.toPrecision(3)}, not below ${recipe.ranksumP}; add images or raise ranksumP`);
      }
    }
  }
  return out;
}
