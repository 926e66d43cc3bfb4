// The bootstrap's lean selection (thresholds found without sorting or a p per unit) selects exactly the
// units the recipes' own arithmetic selects, for every recipe it supports and every correction, dead units
// and ties included; and it refuses the recipes a unit subset cannot stand for.
import { describe, expect, it } from 'vitest';
import { recipeSchema, type RecipeInput } from '../../../src-main/contract/recipe.ts';
import type { CategoryDef, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { createRng } from '../../../src-main/engine/random.ts';
import { selectOnSubset } from '../../../src-main/engine/stats/resample-selection.ts';
import { layerStatsFromRows, unitResults } from '../../../src-main/engine/stats/index.ts';

const categories: CategoryDef[] = [
  { name: 'faces', role: 'target', controlsFor: null },
  { name: 'scenes', role: 'target', controlsFor: null },
  { name: 'objects', role: 'target', controlsFor: null },
  { name: 'scrambled', role: 'control', controlsFor: 'scenes' },
];

function layer(seed: number) {
  const rng = createRng(seed);
  const units = 3000;
  const perCategory = [30, 25, 40, 12];
  const imageCategories = perCategory.flatMap((n, k) => Array<number>(n).fill(k));
  const rows = new Float32Array(imageCategories.length * units);
  imageCategories.forEach((k, i) => {
    for (let u = 0; u < units; u++) {
      // A third of the units are dead (constant 0), some prefer category u % 4 by a unit-specific amount.
      const effect = u % 4 === k ? ((u % 17) / 17) * 1.2 : 0;
      rows[i * units + u] = u % 3 === 0 ? 0 : Math.max(0, 0.5 + effect + rng.normal());
    }
  });
  const tap: TapShape = { name: 'l', tensor: 'l', channels: units, height: 1, width: 1 };
  return layerStatsFromRows(tap, categories.length, rows, imageCategories);
}

describe('selection on a resample', () => {
  const stats = layer(3);
  const cases: RecipeInput[] = [
    { recipe: 'pairwise-t' },
    { recipe: 'pairwise-t', fdr: 'by' },
    { recipe: 'pairwise-t', fdr: 'bonferroni' },
    { recipe: 'pairwise-t', fdr: 'none' },
    { recipe: 'pairwise-t', variance: 'welch' },
    { recipe: 'pairwise-t', against: 'targets+own-control' },
    { recipe: 'prince2024' },
    { recipe: 'vs-rest' },
    { recipe: 'vs-rest', fdr: 'by', alpha: 0.01 },
    { recipe: 'top-k', topk: 5 },
    { recipe: 'dprime', dprime: 0.5 },
  ];
  for (const input of cases) {
    it(`selects the recipe's units: ${JSON.stringify(input)}`, () => {
      const recipe = recipeSchema.parse(input);
      const expected = unitResults(stats, categories, recipe).map((r) => Array.from(r.selective));
      const actual = selectOnSubset(stats, categories, recipe, 1).map((m) => Array.from(m));
      expect(actual).toEqual(expected);
      expect(expected.some((m) => m.some((v) => v === 1))).toBe(true);
    });
  }

  it('refuses ranksum-maxp and the global top-k, saying why', () => {
    expect(() => selectOnSubset(stats, categories, recipeSchema.parse({ recipe: 'ranksum-maxp' }), 1)).toThrow(/ranksum-maxp ranks every image/);
    expect(() => selectOnSubset(stats, categories, recipeSchema.parse({ recipe: 'top-k', topkScope: 'global' }), 1)).toThrow(/top-k across layers/);
  });
});
