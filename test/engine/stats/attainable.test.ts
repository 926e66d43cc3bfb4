// The smallest p a rank-sum test can give at a sample size, against scipy 1.17.1's
// mannwhitneyu(a, b, method='asymptotic') on completely separated groups (values below), and the warnings
// a recipe or an ablation gets when its threshold is out of reach.
import { describe, expect, it } from 'vitest';
import { recipeSchema } from '../../../src-main/contract/recipe.ts';
import { ablationFloor } from '../../../src-main/contract/analysis-types.ts';
import { smallestRankSumP, unreachableThresholds } from '../../../src-main/engine/stats/attainable.ts';

const SCIPY: [number, number, number][] = [
  [5, 5, 0.012185780355344813],
  [8, 8, 0.0009391056991171899],
  [3, 4, 0.05182992721790968],
  [10, 12, 8.733926588357827e-5],
  [30, 30, 3.019859359162157e-11],
];

describe('attainable thresholds', () => {
  it('gives the rank-sum p of complete separation as scipy does', () => {
    for (const [n1, n2, p] of SCIPY) expect(smallestRankSumP(n1, n2)).toBeCloseTo(p, 14);
  });

  it('warns, per contrast, when ranksum-maxp cannot reach its threshold with these images', () => {
    const categories = [
      { name: 'faces', role: 'target' as const, controlsFor: null, images: 4 },
      { name: 'scenes', role: 'target' as const, controlsFor: null, images: 30 },
      { name: 'scrambled', role: 'control' as const, controlsFor: null, images: 30 },
    ];
    const warnings = unreachableThresholds(recipeSchema.parse({ recipe: 'ranksum-maxp' }), categories);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^ranksum-maxp cannot select faces units: with 4 faces and 30 scenes images the rank-sum p is at least 0\.00\d+, not below 0\.001/);
    expect(unreachableThresholds(recipeSchema.parse({ recipe: 'ranksum-maxp', ranksumP: 0.01 }), categories)).toEqual([]);
    expect(unreachableThresholds(recipeSchema.parse({ recipe: 'pairwise-t' }), categories)).toEqual([]);
  });

  it("gives an ablation's p floor 1 / (controls + 1) and warns when it is not below 0.05", () => {
    expect(ablationFloor(100, 0.05)).toEqual({ floor: 1 / 101, warning: null });
    expect(ablationFloor(19, 0.05).warning).toMatch(/with 19 random controls the permutation p is at least 0\.0500, so no effect can reach p < 0\.05; use at least 20 controls/);
    expect(ablationFloor(20, 0.05).warning).toBeNull();
  });
});
