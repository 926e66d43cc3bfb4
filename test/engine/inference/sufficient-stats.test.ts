// method.md: variance within 1e-9 relative of a two-pass float64 reference even when |mean| / std = 1e4,
// for float32 activations. The exact reduction (float64) must meet it; the fused float32 sums, centered on
// the running mean as the extraction feeds them, must stay within the 1e-6.
import { describe, expect, it } from 'vitest';
import type { LayerStats } from '../../../src-main/engine/pipeline-types.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import { countMerged, mergeActivationRange, mergeSums } from '../../../src-main/engine/inference/sufficient-stats.ts';
import { emptyLayerStats } from '../../../src-main/engine/stats/sufficient.ts';

const UNITS = 500;
const tap = { name: 't', tensor: 't', channels: 5, height: 10, width: 10 };
// Category 0: a lone first image, then uneven batches; category 1 likewise, interleaved in the plan order.
const BATCHES = [[0, 1], [0, 7], [0, 3], [0, 32], [0, 2], [1, 1], [1, 5], [1, 1], [1, 16]] as const;

/** float32 activations per image: unit u has mean 1e4 * s_u and std s_u (s_u spread over decades). */
function activations(seed: number): { rows: Float32Array[]; category: number[] } {
  const rng = new SeededRandom(seed);
  const rows: Float32Array[] = [];
  const category: number[] = [];
  for (const [k, nb] of BATCHES) {
    for (let b = 0; b < nb; b++) {
      const row = new Float32Array(UNITS);
      for (let u = 0; u < UNITS; u++) {
        const std = 10 ** ((u % 7) - 3) * (k + 1);
        // Sum of uniforms: roughly normal, unit variance.
        const z = (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 2;
        row[u] = Math.fround(1e4 * std * (u % 2 === 0 ? 1 : -1) + z * std);
      }
      rows.push(row);
      category.push(k);
    }
  }
  return { rows, category };
}

/** Two-pass float64 mean and M2 per category. */
function reference(rows: Float32Array[], category: number[]): { mean: Float64Array; m2: Float64Array } {
  const mean = new Float64Array(2 * UNITS);
  const m2 = new Float64Array(2 * UNITS);
  const count = [0, 0];
  rows.forEach((row, i) => {
    count[category[i]!]!++;
    for (let u = 0; u < UNITS; u++) mean[category[i]! * UNITS + u]! += row[u]!;
  });
  for (let i = 0; i < mean.length; i++) mean[i]! /= count[Math.floor(i / UNITS)]!;
  rows.forEach((row, i) => {
    for (let u = 0; u < UNITS; u++) {
      const d = row[u]! - mean[category[i]! * UNITS + u]!;
      m2[category[i]! * UNITS + u]! += d * d;
    }
  });
  return { mean, m2 };
}

function worstRelative(actual: Float64Array, expected: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.abs(expected[i]!));
  return worst;
}

function batchesOf(rows: Float32Array[]): Array<{ k: number; x: Float32Array; nb: number }> {
  let i = 0;
  return BATCHES.map(([k, nb]) => {
    const x = new Float32Array(nb * UNITS);
    for (let b = 0; b < nb; b++) x.set(rows[i++]!, b * UNITS);
    return { k, x, nb };
  });
}

describe('sufficient statistics from float32 activations with |mean| / std = 1e4', () => {
  const { rows, category } = activations(3);
  const ref = reference(rows, category);

  it('exact (float64) reduction: variance within 1e-9 relative of two-pass float64', () => {
    const stats = emptyLayerStats(tap, 2);
    for (const { k, x, nb } of batchesOf(rows)) {
      mergeActivationRange(stats, k, Array.from({ length: nb }, (_, b) => x.subarray(b * UNITS, (b + 1) * UNITS)), 0, UNITS);
      countMerged(stats, k, nb);
    }
    expect(Array.from(stats.count)).toEqual([45, 23]);
    expect(worstRelative(stats.m2, ref.m2)).toBeLessThan(1e-9);
    expect(worstRelative(stats.mean, ref.mean)).toBeLessThan(1e-12);
  });

  it('fused float32 sums centered on the running mean: within 1e-6, merged in float64', () => {
    const stats: LayerStats = emptyLayerStats(tap, 2);
    for (const { k, x, nb } of batchesOf(rows)) {
      // What the graph computes: shift = float32(running mean) (zero for a category's first image),
      // Sub, ReduceSum and ReduceSumSquare in float32.
      const shift = new Float32Array(UNITS);
      if (stats.count[k]! > 0) shift.set(stats.mean.subarray(k * UNITS, (k + 1) * UNITS));
      const s1 = new Float32Array(UNITS);
      const s2 = new Float32Array(UNITS);
      for (let b = 0; b < nb; b++) {
        for (let u = 0; u < UNITS; u++) {
          const d = Math.fround(x[b * UNITS + u]! - shift[u]!);
          s1[u] = Math.fround(s1[u]! + d);
          s2[u] = Math.fround(s2[u]! + Math.fround(d * d));
        }
      }
      mergeSums(stats, k, nb, shift, s1, s2);
    }
    expect(worstRelative(stats.m2, ref.m2)).toBeLessThan(1e-6);
    expect(worstRelative(stats.mean, ref.mean)).toBeLessThan(1e-9);
  });
});
