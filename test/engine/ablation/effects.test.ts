// Unit choice (selective by CSI, seeded random controls) and the effect measures, checked by hand.
import { describe, expect, it } from 'vitest';
import { categoryMeans, perImageMeasures, permutationP, summarizeEffects } from '../../../src-main/engine/ablation/effects.ts';
import { randomControls, sampleUnits, selectiveByCsi, unitMask } from '../../../src-main/engine/ablation/unit-sets.ts';
import { createRng } from '../../../src-main/engine/random.ts';

describe('unit sets', () => {
  it('takes selective units in CSI order, cut to the top N', () => {
    const selective = Uint8Array.of(0, 1, 1, 0, 1, 1);
    const order = Int32Array.of(3, 5, 1, 0, 4, 2);
    expect(Array.from(selectiveByCsi(selective, order))).toEqual([5, 1, 4, 2]);
    expect(Array.from(selectiveByCsi(selective, order, 2))).toEqual([5, 1]);
    expect(Array.from(selectiveByCsi(new Uint8Array(6), order))).toEqual([]);
  });

  it('draws reproducible random controls of the same size, distinct and in range', () => {
    const a = randomControls(1000, 37, 20, 42);
    const b = randomControls(1000, 37, 20, 42);
    const c = randomControls(1000, 37, 20, 43);
    expect(a.map((s) => Array.from(s))).toEqual(b.map((s) => Array.from(s)));
    expect(a.map((s) => Array.from(s))).not.toEqual(c.map((s) => Array.from(s)));
    for (const s of a) {
      expect(s.length).toBe(37);
      expect(new Set(s).size).toBe(37);
      expect(Math.min(...s)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s)).toBeLessThan(1000);
    }
    expect(() => sampleUnits(createRng(1), 5, 6)).toThrow(RangeError);
    expect(Array.from(sampleUnits(createRng(1), 5, 5))).toEqual([0, 1, 2, 3, 4]);
  });

  it('draws every unit with probability k/n (Floyd sampling is uniform)', () => {
    const rng = createRng(9);
    const hits = new Float64Array(20);
    const draws = 20000;
    for (let i = 0; i < draws; i++) for (const u of sampleUnits(rng, 20, 5)) hits[u]!++;
    // Each count ~ Binomial(20000, 0.25): sd = 61; 5 sd bounds.
    for (const h of hits) expect(Math.abs(h - 5000)).toBeLessThan(5 * 61.3);
  });

  it('builds masks and rejects units outside the layer', () => {
    expect(Array.from(unitMask(4, [0, 3]))).toEqual([1, 0, 0, 1]);
    expect(() => unitMask(4, [4])).toThrow(RangeError);
  });
});

describe('effect measures', () => {
  it('classifier: top-1 agreement and drop of the intact top logit, per image', () => {
    const intact = Float32Array.of(1, 5, 2, /**/ 4, 0, 1);
    const ablated = Float32Array.of(1, 1.5, 2, /**/ 3, 0, 1);
    const [agree, drop] = perImageMeasures('classifier', intact, ablated, 3);
    expect(Array.from(agree!)).toEqual([0, 1]);
    expect(Array.from(drop!)).toEqual([3.5, 1]);
  });

  it('embedding: cosine similarity to the intact embedding', () => {
    const [cos] = perImageMeasures('embedding', Float32Array.of(1, 0, 3, 4), Float32Array.of(0, 1, 3, 4), 2);
    expect(cos![0]).toBeCloseTo(0, 15);
    expect(cos![1]).toBeCloseTo(1, 15);
  });

  it('averages per category and over all images', () => {
    expect(Array.from(categoryMeans(Float64Array.of(1, 2, 3, 6), [0, 1, 0, 1], 2))).toEqual([2, 4, 3]);
  });

  it('permutation p against controls, one-sided towards the deficit, and BH across categories', () => {
    expect(permutationP(0.2, [0.9, 0.8, 0.1, 0.95], 'lower')).toBe(2 / 5);
    expect(permutationP(5, [1, 2, 5, 7], 'higher')).toBe(3 / 5);
    expect(permutationP(1, [], 'higher')).toBe(1);
    // Two categories, classifier: selective agreement 0 (faces), 1 (scenes); four controls.
    const selective = [Float64Array.of(0, 1, 0.5), Float64Array.of(9, 0, 4.5)];
    const controls = [0.9, 0.95, 1, 0.85].map((v) => [Float64Array.of(v, v, v), Float64Array.of(1, 1, 1)]);
    const [agree, drop] = summarizeEffects('classifier', ['faces', 'scenes'], [3, 3, 6], selective, controls);
    expect(agree!.perCategory.map((r) => r.p)).toEqual([1 / 5, 1]);
    // BH over {0.2, 1}: q = [min(0.2 * 2 / 1, 1), 1] = [0.4, 1].
    expect(agree!.perCategory.map((r) => r.q)).toEqual([0.4, 1]);
    expect(drop!.perCategory.map((r) => r.p)).toEqual([1 / 5, 1]);
    expect(agree!.overall.category).toBe('all');
    expect(agree!.overall.images).toBe(6);
    expect(agree!.perCategory[0]!.controlMean).toBeCloseTo(0.925, 12);
  });
});
