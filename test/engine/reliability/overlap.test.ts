// Dice, Jaccard, CSI correlation and the shuffled-units null, against hand values and theory: under
// shuffling the overlap is hypergeometric, so the null Dice has mean 2ab / (N (a + b)) and variance
// (2 / (a + b))^2 * Var(X); the null CSI r has mean 0 and variance 1 / (n - 1) (exact for permutations).
import { describe, expect, it } from 'vitest';
import { expectedDice, meanSd, pearson, setAgreement, shuffledNull, upperP } from '../../../src-main/engine/reliability/overlap.ts';
import { drawSplit, halfStats, planGroups, splitHalfReliability } from '../../../src-main/engine/reliability/split-half.ts';
import { chunkTaps } from '../../../src-main/engine/reliability/run-reliability.ts';
import { recipeSchema } from '../../../src-main/contract/recipe.ts';
import type { CategoryDef, LayerStats, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { createRng } from '../../../src-main/engine/random.ts';

describe('set agreement', () => {
  it('Dice and Jaccard by hand, NaN for two empty sets', () => {
    const r = setAgreement(Uint8Array.of(1, 1, 1, 0, 0), Uint8Array.of(0, 1, 1, 1, 0));
    expect(r).toEqual({ a: 3, b: 3, overlap: 2, dice: 4 / 6, jaccard: 2 / 4 });
    expect(Number.isNaN(setAgreement(new Uint8Array(3), new Uint8Array(3)).dice)).toBe(true);
    const same = Uint8Array.of(1, 0, 1);
    expect(setAgreement(same, same).dice).toBe(1);
  });

  it('Pearson r over finite pairs; exactly 1 against itself', () => {
    const x = Float32Array.of(0.1, -0.3, NaN, 0.7, 0.25);
    expect(pearson(x, x)).toEqual({ r: 1, n: 4 });
    const r = pearson(Float64Array.of(1, 2, 3, 4), Float64Array.of(2, 1, 4, 3));
    expect(r.r).toBeCloseTo(0.6, 14);
  });

  it('the shuffled null is centred where theory says', () => {
    const n = 200;
    const a = 30;
    const b = 50;
    const rng = createRng(17);
    const selA = new Uint8Array(n);
    const selB = new Uint8Array(n);
    for (let u = 0; u < a; u++) selA[u] = 1;
    for (let u = 10; u < 10 + b; u++) selB[u] = 1;
    const csiA = Float64Array.from({ length: n }, () => rng.normal());
    const csiB = Float64Array.from(csiA, (v) => v + rng.normal());
    const shuffles = 4000;
    const nulls = shuffledNull(selA, selB, csiA, csiB, shuffles, createRng(3));
    const expected = expectedDice(a, b, n);
    expect(expected).toBeCloseTo(0.1875, 15);
    const varX = (b * (a / n) * ((n - a) / n) * (n - b)) / (n - 1);
    const sdDice = (2 / (a + b)) * Math.sqrt(varX);
    const dice = meanSd(nulls.dice);
    expect(Math.abs(dice.mean - expected)).toBeLessThan((4 * sdDice) / Math.sqrt(shuffles));
    expect(dice.sd / sdDice).toBeGreaterThan(0.95);
    expect(dice.sd / sdDice).toBeLessThan(1.05);
    const r = meanSd(nulls.csiR);
    const sdR = 1 / Math.sqrt(n - 1);
    expect(Math.abs(r.mean)).toBeLessThan((4 * sdR) / Math.sqrt(shuffles));
    expect(r.sd / sdR).toBeGreaterThan(0.93);
    expect(r.sd / sdR).toBeLessThan(1.07);
    // The observed values (overlap 20 vs ~7.5 expected; r ~ 0.7) lie far in the null's upper tail.
    expect(upperP(setAgreement(selA, selB).dice, nulls.dice)).toBe(1 / (shuffles + 1));
    expect(upperP(pearson(csiA, csiB).r, nulls.csiR)).toBe(1 / (shuffles + 1));
    // Reproducible for a seed.
    expect(Array.from(shuffledNull(selA, selB, csiA, csiB, 50, createRng(3)).dice)).toEqual(Array.from(nulls.dice.subarray(0, 50)));
  });
});

const tap: TapShape = { name: 'layer1', tensor: 't', channels: 4, height: 1, width: 1 };
const categories: CategoryDef[] = [
  { name: 'faces', role: 'target', controlsFor: null },
  { name: 'scenes', role: 'target', controlsFor: null },
  { name: 'objects', role: 'control', controlsFor: null },
];

describe('split halves', () => {
  it('identical halves give Dice 1 and CSI r 1', () => {
    // Each category has two groups with the same n, means and M2: every split's halves are identical.
    const units = 4;
    const K = 3;
    const groupMeans = [
      [5, 1, 1, 0.5],
      [1, 6, 1, 0.4],
      [1, 1, 1, 0.6],
    ];
    const count = new Float64Array(2 * K).fill(8);
    const mean = new Float64Array(2 * K * units);
    const m2 = new Float64Array(2 * K * units).fill(7);
    for (let k = 0; k < K; k++) for (let g = 0; g < 2; g++) mean.set(groupMeans[k]!, (2 * k + g) * units);
    const grouped: LayerStats = { tap, count, mean, m2 };
    const layout = { groups: [[0, 1], [2, 3], [4, 5]], total: 6, images: [] };
    const rows = splitHalfReliability([grouped], layout, categories, recipeSchema.parse({}), { splits: 5, seed: 1 });
    expect(rows.map((r) => r.category)).toEqual(['faces', 'scenes']);
    for (const row of rows) {
      expect(row.dice.values).toEqual([1, 1, 1, 1, 1]);
      expect(row.csiR.values).toEqual([1, 1, 1, 1, 1]);
      expect(row.selectedA).toBeGreaterThan(0);
    }
  });

  it('deals images into groups and pools half statistics exactly', () => {
    const images = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, path: `/x/${i}`, category: i < 6 ? 0 : 1 }));
    const layout = planGroups(images, 2, 4, 7);
    expect(layout.groups).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(layout.images.filter((i) => i.category < 4)).toHaveLength(6);
    expect(planGroups(images, 2, 4, 7)).toEqual(layout);
    const split = drawSplit(layout, createRng(2));
    expect(split.a.map((g) => g.length)).toEqual([2, 2]);
    expect([...split.a[0]!, ...split.b[0]!].sort()).toEqual([0, 1, 2, 3]);
    // Pooling: groups {n=2, mean 1, M2 2} and {n=3, mean 4, M2 6} -> n 5, mean 2.8, M2 = 8 + 2*3.24 + 3*1.44 = 18.8.
    const g: LayerStats = { tap: { ...tap, channels: 1 }, count: Float64Array.of(2, 3), mean: Float64Array.of(1, 4), m2: Float64Array.of(2, 6) };
    const h = halfStats(g, [[0, 1]]);
    expect(h.count[0]).toBe(5);
    expect(h.mean[0]).toBeCloseTo(2.8, 14);
    expect(h.m2[0]).toBeCloseTo(18.8, 12);
    expect(() => planGroups(images.slice(0, 7), 2, 4, 1)).toThrow(/at least 2/);
  });

  it('chunks taps under the memory budget', () => {
    const t = (name: string, c: number): TapShape => ({ name, tensor: name, channels: c, height: 1, width: 1 });
    const chunks = chunkTaps([t('a', 100), t('b', 100), t('c', 300), t('d', 10)], 2, 100 * 2 * 16 * 2);
    expect(chunks.map((c) => c.map((x) => x.name))).toEqual([['a', 'b'], ['c'], ['d']]);
  });
});
