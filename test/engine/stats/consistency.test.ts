// Representational consistency against numpy/scipy (1 - np.corrcoef RDMs, scipy.stats.spearmanr between
// upper triangles), including a layer whose unit set is too small (NaN), and seeded subsets that repeat.
import { describe, expect, it } from 'vitest';
import type { LayerAnalysis, ResponseGatherer, UnitResults } from '../../../src-main/engine/pipeline-types.ts';
import { consistencyMatrix, summarizeMatrix } from '../../../src-main/engine/stats/consistency.ts';
import { loadFixture, mismatch } from './fixture-support.ts';

interface Fixture {
  images: number;
  layers: { units: number; data: number[]; masks: number[][] }[];
  categories: { matrix: number[] }[];
  baseline: { matrix: number[] };
}
const fx = loadFixture<Fixture>('consistency.json');

function setup() {
  const analyses = fx.layers.map((l, li) => ({
    tap: { name: `l${li}`, tensor: `l${li}`, channels: l.units, height: 1, width: 1 },
    units: l.masks.map((m, c) => ({ category: `c${c}`, selective: Uint8Array.from(m) }) as unknown as UnitResults),
    metrics: {},
    density: {},
    channelCounts: {},
    overlap: [],
  })) satisfies LayerAnalysis[];
  const gathered: number[] = [];
  const gatherer: ResponseGatherer = {
    images: Array.from({ length: fx.images }, (_, id) => ({ id, path: `/i/${id}.png`, category: 0 })),
    async gather(tap, units) {
      const l = fx.layers[Number(tap.slice(1))]!;
      gathered.push(units.length);
      const out = new Float32Array(fx.images * units.length);
      for (let i = 0; i < fx.images; i++) for (let j = 0; j < units.length; j++) out[i * units.length + j] = l.data[i * l.units + units[j]!]!;
      return out;
    },
  };
  return { analyses, gatherer, gathered };
}

describe('representational consistency', () => {
  it('matches numpy RDMs and scipy Spearman between layers, per category and for the baseline', async () => {
    const { analyses, gatherer, gathered } = setup();
    const result = await consistencyMatrix(analyses, gatherer, { maxUnits: 1000 });
    expect(gathered.length).toBe(fx.layers.length); // one gather per layer
    fx.categories.forEach((ref, c) => {
      expect(mismatch(result.categories[c]!.matrix, ref.matrix, 1e-9), `category ${c}`).toBeNull();
      const s = summarizeMatrix(Float64Array.from(ref.matrix), fx.layers.length);
      expect(result.categories[c]!.mean).toBeCloseTo(s.mean, 12);
      expect(result.categories[c]!.adjacent).toBeCloseTo(s.adjacent, 12);
    });
    expect(mismatch(result.baseline.matrix, fx.baseline.matrix, 1e-9)).toBeNull();
    // the single-unit layer leaves NaN in category 1's last row, not an exception
    expect(result.categories[1]!.matrix[3 * 4 + 0]).toBeNaN();
    expect(Number.isFinite(result.categories[1]!.mean)).toBe(true);
  });

  it('draws the same seeded subsets for the same seed, other ones for another seed', async () => {
    const { analyses, gatherer } = setup();
    const a = await consistencyMatrix(analyses, gatherer, { maxUnits: 5, seed: 3 });
    const b = await consistencyMatrix(analyses, gatherer, { maxUnits: 5, seed: 3 });
    const c = await consistencyMatrix(analyses, gatherer, { maxUnits: 5, seed: 4 });
    expect(Array.from(a.baseline.matrix)).toEqual(Array.from(b.baseline.matrix));
    expect(a.baseline.unitsUsed).toEqual([5, 5, 5, 5]);
    expect(Array.from(a.baseline.matrix)).not.toEqual(Array.from(c.baseline.matrix));
  });

  it('leaves a layer with fewer than 3 selective units undefined, with the reason', async () => {
    const images = 12;
    const units = 6;
    const rng = (i: number, u: number) => Math.sin(i * 12.9898 + u * 78.233) * 43758.5453 - Math.floor(Math.sin(i * 12.9898 + u * 78.233) * 43758.5453);
    const layer = (name: string, selected: number) => ({
      tap: { name, tensor: name, channels: units, height: 1, width: 1 },
      units: [{ category: 'faces', selective: Uint8Array.from({ length: units }, (_, u) => (u < selected ? 1 : 0)) } as unknown as UnitResults],
      metrics: {},
      density: {},
      channelCounts: {},
      overlap: [],
    });
    const analyses = [layer('a', 5), layer('b', 2), layer('c', 5)] satisfies LayerAnalysis[];
    const gatherer: ResponseGatherer = {
      images: Array.from({ length: images }, (_, id) => ({ id, path: `/i/${id}.png`, category: 0 })),
      async gather(tap, list) {
        const l = 'abc'.indexOf(tap);
        return Float32Array.from({ length: images * list.length }, (_, k) => rng(Math.floor(k / list.length) + l, list[k % list.length]!));
      },
    };
    const result = await consistencyMatrix(analyses, gatherer);
    const m = result.categories[0]!.matrix;
    // Two units give Pearson r = +/-1 only: not a representation, so row and column b are undefined.
    for (let j = 0; j < 3; j++) {
      expect(m[1 * 3 + j]).toBeNaN();
      expect(m[j * 3 + 1]).toBeNaN();
    }
    expect(Number.isFinite(m[0 * 3 + 2]!)).toBe(true);
    expect(result.categories[0]!.notes).toEqual(['b: 2 units (an RDM needs at least 3): undefined']);
  });

  it('leaves out the pairs of an image that responds equally in every unit, not the whole layer', async () => {
    const { analyses, gatherer } = setup();
    const reference = await consistencyMatrix(analyses, gatherer, { maxUnits: 1000 });
    // Image 0 gives the same response in every unit of layer 0 (a dead input for that layer).
    const flat: ResponseGatherer = {
      images: gatherer.images,
      async gather(tap, units) {
        const out = await gatherer.gather(tap, units);
        if (tap === 'l0') out.fill(0.5, 0, units.length);
        return out;
      },
    };
    const result = await consistencyMatrix(analyses, flat, { maxUnits: 1000 });
    const L = fx.layers.length;
    for (let j = 1; j < L; j++) expect(Number.isFinite(result.baseline.matrix[0 * L + j]!), `baseline l0-l${j}`).toBe(true);
    expect(Number.isFinite(result.baseline.mean)).toBe(true);
    // The pairs between other layers are untouched.
    expect(result.baseline.matrix[1 * L + 2]).toBe(reference.baseline.matrix[1 * L + 2]);
    expect(result.baseline.notes).toEqual(['l0: image 0 responds equally in every unit (Pearson r undefined): its pairs are left out']);
  });
});
