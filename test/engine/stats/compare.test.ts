// Model comparison: layer alignment, the two-proportion z-test and Mann-Whitney on CSI against scipy-free
// closed forms checked by hand, and seeded bootstrap results that repeat exactly for the same seed.
import { describe, expect, it } from 'vitest';
import { defaultRecipe } from '../../../src-main/contract/recipe.ts';
import type { CategoryDef, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { createRng } from '../../../src-main/engine/random.ts';
import { alignLayers, analyzeLayer, compareRuns, SufficientAccumulator, twoProportionZ } from '../../../src-main/engine/stats/index.ts';
import { normalTwoSidedP } from '../../../src-main/engine/stats/distributions.ts';

const cats: CategoryDef[] = [
  { name: 'faces', role: 'target', controlsFor: null },
  { name: 'scenes', role: 'target', controlsFor: null },
  { name: 'objects', role: 'control', controlsFor: null },
];

function run(seed: number, effect: number, names: string[]) {
  const rng = createRng(seed);
  return names.map((name) => {
    const tap: TapShape = { name, tensor: name, channels: 8, height: 3, width: 3 };
    const acc = new SufficientAccumulator(tap, 3);
    for (let i = 0; i < 60; i++) {
      const k = i % 3;
      acc.addRow(k, Float32Array.from({ length: 72 }, (_, u) => rng.normal() + (u % 3 === k && u < 36 ? effect : 0)));
    }
    return analyzeLayer(acc.finish(), cats, defaultRecipe);
  });
}

describe('model comparison', () => {
  it('aligns layers by name and by relative depth', () => {
    expect(alignLayers(['a', 'b', 'c'], ['c', 'a'], 'name')).toEqual([
      [0, 1],
      [2, 0],
    ]);
    expect(alignLayers(['a', 'b', 'c', 'd', 'e'], ['x', 'y', 'z'], 'depth')).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 2],
    ]);
  });

  it('two-proportion z-test: pooled standard error, two-sided normal p', () => {
    const { z, p } = twoProportionZ(30, 100, 10, 100);
    expect(z).toBeCloseTo(0.2 / Math.sqrt(0.2 * 0.8 * 0.02), 12);
    expect(p).toBeCloseTo(normalTwoSidedP(z), 15);
    expect(twoProportionZ(0, 10, 0, 10).p).toBeNaN();
  });

  it('compares two runs per layer x category with BH across the table; the bootstrap repeats for a seed', () => {
    const a = run(1, 1.5, ['l1', 'l2']);
    const b = run(2, 0.8, ['l1', 'l2']);
    const first = compareRuns(a, b, { seed: 5, iterations: 200 });
    const again = compareRuns(a, b, { seed: 5, iterations: 200 });
    expect(first).toEqual(again);
    expect(first.map((r) => `${r.layerA}/${r.category}`)).toEqual(['l1/faces', 'l1/scenes', 'l2/faces', 'l2/scenes']);
    for (const r of first) {
      expect(r.proportionA).toBeGreaterThanOrEqual(r.proportionB);
      expect(r.proportionQ).toBeGreaterThanOrEqual(r.proportionP);
      if (r.proportionB > 0) expect(r.channelEntropyCi[0]).toBeLessThanOrEqual(r.channelEntropyCi[1]);
    }
    expect(first.some((r) => r.proportionB > 0 && r.proportionA > r.proportionB)).toBe(true);
    const other = compareRuns(a, b, { seed: 6, iterations: 200 });
    expect(other.map((r) => r.channelGiniCi)).not.toEqual(first.map((r) => r.channelGiniCi));
  });
});
