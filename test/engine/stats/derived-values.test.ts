// The values readers derive per unit (docs/storage.md, "Derived on read") are, bit for bit, the same on
// any subset of units as over the whole layer, and the ones the analysis also computes (CSI and t: the
// layer metrics and stored orders come from these) equal the analysis's: every recipe and
// setting of the scipy fixture (dead units, zero variance, ties, 2 and 8 categories, p below 1e-300), on
// random subsets of units with repeats, in any order, as a page query asks for them. recipes.test.ts
// holds the whole-layer values against scipy.
import { describe, expect, it } from 'vitest';
import type { LayerStats } from '../../../src-main/engine/pipeline-types.ts';
import { createRng } from '../../../src-main/engine/random.ts';
import { analyzeRun } from '../../../src-main/engine/stats/index.ts';
import { DERIVED_FIELDS, derivedUnitValues, targetIndices } from '../../../src-main/engine/stats/recipes.ts';
import { statsUnits } from '../../../src-main/engine/stats/sufficient.ts';
import { loadFixture } from './fixture-support.ts';
import { prepareRecipeCase, type RecipeFixtureCase } from './recipe-fixture.ts';

const fixture = loadFixture<{ cases: RecipeFixtureCase[] }>('recipes.json');

/** The statistics of `units` of a layer, as a layer of their own (what a page read builds). */
function subsetStats(stats: LayerStats, units: Int32Array): LayerStats {
  const n = units.length;
  const all = statsUnits(stats);
  const K = stats.count.length;
  const mean = new Float64Array(K * n);
  const m2 = new Float64Array(K * n);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      mean[k * n + i] = stats.mean[k * all + units[i]!]!;
      m2[k * n + i] = stats.m2[k * all + units[i]!]!;
    }
  }
  return { tap: { name: stats.tap.name, tensor: stats.tap.tensor, channels: n, height: 1, width: 1 }, count: stats.count, mean, m2 };
}

describe('derived unit values equal the analysis', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const { stats, gatherer } = prepareRecipeCase(c);
      const rng = createRng(20261202);
      let compared = 0;
      for (const { recipe } of c.results) {
        const analyses = await analyzeRun(stats, c.categories, recipe, gatherer);
        analyses.forEach((analysis, l) => {
          const layer = stats[l]!;
          const units = statsUnits(layer);
          const picks = Int32Array.from({ length: Math.max(3, Math.ceil(units * 0.7)) }, () => rng.int(units));
          const sub = subsetStats(layer, picks);
          targetIndices(c.categories).forEach((k, t) => {
            const analysed = analysis.units[t]!;
            const where = (f: string, i: number) => `${recipe.recipe} ${recipe.variance} ${recipe.against} layer ${l} target ${analysed.category} ${f} unit ${i}`;
            const whole = derivedUnitValues(layer, c.categories, recipe, k, DERIVED_FIELDS, analysed.qMax);
            for (const f of ['csi', 'tMin'] as const) {
              for (let u = 0; u < units; u++) if (!Object.is(whole[f]![u], analysed[f][u])) expect.fail(`${where(f, u)}: derived ${whole[f]![u]} != analysed ${analysed[f][u]}`);
            }
            const qMax = Float64Array.from(picks, (u) => analysed.qMax[u]!);
            const derived = derivedUnitValues(sub, c.categories, recipe, k, DERIVED_FIELDS, qMax);
            for (const f of DERIVED_FIELDS) {
              const got = derived[f]!;
              const want = Float64Array.from(picks, (u) => whole[f]![u]!);
              for (let i = 0; i < picks.length; i++) {
                if (!Object.is(got[i], want[i])) expect.fail(`${where(f, picks[i]!)}: ${got[i]} != ${want[i]} over the whole layer`);
              }
              compared += picks.length;
            }
            // Asking for fewer fields gives the same values.
            expect(Array.from(derivedUnitValues(sub, c.categories, recipe, k, ['tMin'], qMax).tMin!)).toEqual(Array.from(derived.tMin!));
          });
        });
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
