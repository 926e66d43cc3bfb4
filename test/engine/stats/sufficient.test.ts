// Sufficient statistics: one-pass accumulation against a two-pass float64 reference (including
// |mean| / std = 1e4 float32 activations), the exact Chan merge of shards, and pooled-group moments.
import { describe, expect, it } from 'vitest';
import type { TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { createRng } from '../../../src-main/engine/random.ts';
import { SufficientAccumulator, mergeLayerStats, pooledMoments } from '../../../src-main/engine/stats/sufficient.ts';

const tap: TapShape = { name: 'layer', tensor: 't', channels: 5, height: 2, width: 2 };
const units = 20;

/** images x units float32 rows with per-unit offsets up to 1e4 x the noise, and the image categories. */
function data(seed: number, images: number, K: number, offset: number) {
  const rng = createRng(seed);
  const rows = new Float32Array(images * units);
  const cats = new Int32Array(images);
  for (let i = 0; i < images; i++) {
    cats[i] = i % K;
    for (let u = 0; u < units; u++) rows[i * units + u] = offset * (u + 1) + rng.normal() + 0.5 * cats[i]!;
  }
  return { rows, cats };
}

/** Two-pass float64 reference: mean, then sum of squared deviations. */
function twoPass(rows: Float32Array, cats: Int32Array, k: number, u: number) {
  const xs: number[] = [];
  cats.forEach((c, i) => {
    if (c === k) xs.push(rows[i * units + u]!);
  });
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { n: xs.length, mean, m2: xs.reduce((s, x) => s + (x - mean) ** 2, 0) };
}

function accumulate(rows: Float32Array, cats: Int32Array, K: number, from = 0, to = cats.length) {
  const acc = new SufficientAccumulator(tap, K);
  for (let i = from; i < to; i++) acc.addRow(cats[i]!, rows.subarray(i * units, (i + 1) * units));
  return acc.finish();
}

describe('sufficient statistics', () => {
  for (const offset of [0, 1e4]) {
    it(`variance within 1e-9 relative of two-pass float64 at |mean|/std up to ${offset * units || 1}`, () => {
      const K = 3;
      const { rows, cats } = data(1, 3000, K, offset);
      const stats = accumulate(rows, cats, K);
      let worstVar = 0;
      let worstMean = 0;
      for (let k = 0; k < K; k++) {
        for (let u = 0; u < units; u++) {
          const ref = twoPass(rows, cats, k, u);
          expect(stats.count[k]).toBe(ref.n);
          worstMean = Math.max(worstMean, Math.abs(stats.mean[k * units + u]! - ref.mean) / Math.max(1, Math.abs(ref.mean)));
          worstVar = Math.max(worstVar, Math.abs(stats.m2[k * units + u]! - ref.m2) / ref.m2);
        }
      }
      expect(worstVar).toBeLessThan(1e-9);
      expect(worstMean).toBeLessThan(1e-12);
    });
  }

  it('Chan merge of shards equals the whole (exact merge for sharded runs)', () => {
    const K = 4;
    const { rows, cats } = data(2, 500, K, 1e3);
    const whole = accumulate(rows, cats, K);
    const merged = mergeLayerStats(accumulate(rows, cats, K, 0, 137), mergeLayerStats(accumulate(rows, cats, K, 137, 300), accumulate(rows, cats, K, 300)));
    expect(Array.from(merged.count)).toEqual(Array.from(whole.count));
    for (let i = 0; i < whole.mean.length; i++) {
      expect(Math.abs(merged.mean[i]! - whole.mean[i]!)).toBeLessThan(1e-12 * Math.abs(whole.mean[i]!));
      expect(Math.abs(merged.m2[i]! - whole.m2[i]!)).toBeLessThan(1e-9 * whole.m2[i]!);
    }
    // an empty side is the identity
    const empty = accumulate(rows, cats, K, 0, 0);
    expect(Array.from(mergeLayerStats(empty, whole).m2)).toEqual(Array.from(whole.m2));
  });

  it('pooled moments of several categories equal the moments of their images together', () => {
    const K = 3;
    const { rows, cats } = data(3, 300, K, 10);
    const stats = accumulate(rows, cats, K);
    const pooled = pooledMoments(stats, [0, 2]);
    const merged = cats.map((c) => (c === 2 ? 0 : c));
    for (let u = 0; u < units; u++) {
      const ref = twoPass(rows, merged, 0, u);
      expect(pooled.n).toBe(ref.n);
      expect(Math.abs(pooled.mean[u]! - ref.mean)).toBeLessThan(1e-12 * Math.abs(ref.mean));
      expect(Math.abs(pooled.m2[u]! - ref.m2)).toBeLessThan(1e-9 * ref.m2);
    }
  });

  it('rejects rows of the wrong size or category with a clear error', () => {
    const acc = new SufficientAccumulator(tap, 2);
    expect(() => acc.addRow(0, new Float32Array(3))).toThrow(/3 values, layer layer has 20 units/);
    expect(() => acc.addRow(2, new Float32Array(units))).toThrow(/category 2 out of range/);
  });
});
