// Every recipe and per-unit value (the analysis's, and those derived on read) against scipy references
// computed from the same raw data (test/fixtures/stats/make_fixtures.py): t within 1e-9 relative, p and q
// within 1e-9 relative (absolute below 1e-300), identical selection masks, CSI / d' / means within 1e-9
// relative, and the layer metrics. The cases hold the edge cases: dead units, zero variance, ties, unequal sizes,
// 2 and 8 categories, |mean| / std = 1e4 and p far below 1e-300.
import { describe, expect, it } from 'vitest';
import type { RecipeSettings } from '../../../src-main/contract/recipe.ts';
import { analyzeRun } from '../../../src-main/engine/stats/index.ts';
import { everyUnitValue } from './every-unit-value.ts';
import { loadFixture, mismatch } from './fixture-support.ts';
import { prepareRecipeCase, type RecipeFixtureCase } from './recipe-fixture.ts';

const fixture = loadFixture<{ scipy: string; cases: RecipeFixtureCase[] }>('recipes.json');

const label = (r: RecipeSettings) => `${r.recipe} ${r.variance} ${r.fdr} ${r.against} topk=${r.topk}/${r.topkScope} d'=${r.dprime} p=${r.ranksumP} alpha=${r.alpha}`;

describe(`recipes against scipy ${fixture.scipy}`, () => {
  for (const c of fixture.cases) {
    describe(c.name, () => {
      const { stats, gatherer } = prepareRecipeCase(c);
      for (const ref of c.results) {
        it(label(ref.recipe), async () => {
          // A tiny slice budget makes ranksum-maxp gather several slices per layer.
          const analyses = await analyzeRun(stats, c.categories, ref.recipe, gatherer, { budgetBytes: 4 * c.imageCategories.length * 5 });
          analyses.forEach((analysis, li) => {
            const expected = ref.layers[li]!;
            const values = everyUnitValue(stats[li]!, c.categories, ref.recipe, analysis.units);
            const where = (what: string) => `${c.name} ${label(ref.recipe)} layer ${li} ${what}`;
            expected.units.forEach((eu, ti) => {
              const au = values[ti]!;
              expect(au.category).toBe(eu.category);
              expect(Array.from(au.selective), where(`${eu.category} selective`)).toEqual(eu.selective);
              for (const f of ['tMin', 'csi', 'meanTarget', 'meanOthers', 'dprime', 'dprimeSecond', 'meanPairT'] as const) {
                expect(mismatch(au[f], eu[f] as number[], 1e-9), where(`${eu.category} ${f}`)).toBeNull();
              }
              for (const f of ['pMax', 'qMax'] as const) {
                expect(mismatch(au[f], eu[f] as number[], 1e-9, 1e-300), where(`${eu.category} ${f}`)).toBeNull();
              }
              expect(mismatch(analysis.channelCounts[eu.category]!, expected.channelCounts[eu.category]!, 0), where('channel counts')).toBeNull();
              expect(mismatch(analysis.density[eu.category]!, expected.density[eu.category]!, 0), where('density')).toBeNull();
              const am = analysis.metrics[eu.category]!;
              const em = expected.metrics[eu.category]!;
              expect(Object.keys(am).sort()).toEqual(Object.keys(em).sort());
              for (const key of Object.keys(em)) expect(mismatch([am[key]!], [em[key]!], 1e-9), where(`${eu.category} ${key}`)).toBeNull();
            });
            expect(analysis.overlap, where('overlap')).toEqual(expected.overlap);
          });
        });
      }
    });
  }
});

describe('fixture coverage', () => {
  it('reaches p-values below 1e-300 and holds undefined (NaN) and infinite t', () => {
    const all = fixture.cases.flatMap((c) => c.results.flatMap((r) => r.layers.flatMap((l) => l.units)));
    const p = all.flatMap((u) => u.pMax as number[]);
    const t = all.flatMap((u) => u.tMin as number[]);
    expect(p.some((v) => v > 0 && v < 1e-300)).toBe(true);
    expect(t.some((v) => Number.isNaN(v))).toBe(true);
    expect(t.some((v) => v === Infinity)).toBe(true);
    const selective = all.flatMap((u) => u.selective);
    expect(selective.includes(0) && selective.includes(1)).toBe(true);
  });
});
