// The WebAssembly merge (sufficient-stats.wat) against the same arithmetic written plainly in JavaScript:
// equal bit for bit (WebAssembly has no fused multiply-add, so each operation rounds as JavaScript's does),
// across group sizes, odd unit counts, tile edges and split ranges. And the embedded binary is the .wat's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, kernelModuleSource } from '../../../resources/scripts/build-wasm.mjs';
import { countMerged, mergeActivationRange } from '../../../src-main/engine/inference/sufficient-stats.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import type { LayerStats } from '../../../src-main/engine/pipeline-types.ts';
import { emptyLayerStats } from '../../../src-main/engine/stats/sufficient.ts';

/** sufficient-stats.ts's merge for n > 0, one unit at a time, as the .wat documents it. */
function referenceMerge(stats: LayerStats, k: number, rows: readonly Float32Array[]): void {
  const units = rows[0]!.length;
  const n = stats.count[k]!;
  const nb = rows.length;
  const wb = nb / (n + nb);
  const cross = (n * nb) / (n + nb);
  for (let u = 0; u < units; u++) {
    const i = k * units + u;
    const shift = stats.mean[i]!;
    let a = 0;
    let q = 0;
    for (const row of rows) {
      const d = row[u]! - shift;
      a += d;
      q += d * d;
    }
    const db = a / nb;
    stats.mean[i] = shift + db * wb;
    stats.m2[i] = stats.m2[i]! + (q - a * db) + db * db * cross;
  }
  stats.count[k] = n + nb;
}

function randomRows(rng: SeededRandom, count: number, units: number): Float32Array[] {
  return Array.from({ length: count }, () => Float32Array.from({ length: units }, (_, u) => 1e3 * (u % 5) + (rng.uniform() - 0.5) * 10 ** ((u % 7) - 3)));
}

describe('the WebAssembly merge of exact sufficient statistics', () => {
  it('is the committed .wat compiled (npm run build:wasm)', async () => {
    const committed = readFileSync(new URL('../../../src-main/engine/inference/sufficient-stats-kernel.ts', import.meta.url), 'utf8');
    expect(committed).toBe(kernelModuleSource(await compileKernel()));
  });

  // 4096 units per tile: 1, 4095 and 4097 straddle nothing, a tile's end and a tile's end plus an odd unit.
  it.each([1, 7, 4095, 4097, 8193])('equals the JavaScript arithmetic bit for bit (%i units, groups of 1 to 9)', (units) => {
    const rng = new SeededRandom(units);
    const tap = { name: 't', tensor: 't', channels: 1, height: 1, width: units };
    const kernel = emptyLayerStats(tap, 2);
    const reference = emptyLayerStats(tap, 2);
    for (const k of [0, 1]) {
      // Both start from the same first image (the n = 0 case is plain JavaScript in both).
      const [first] = randomRows(rng, 1, units);
      for (const stats of [kernel, reference]) {
        mergeActivationRange(stats, k, [first!], 0, units);
        countMerged(stats, k, 1);
      }
      for (let nb = 1; nb <= 9; nb++) {
        const rows = randomRows(rng, nb, units);
        mergeActivationRange(kernel, k, rows, 0, units);
        countMerged(kernel, k, nb);
        referenceMerge(reference, k, rows);
      }
    }
    expect(Array.from(kernel.count)).toEqual([46, 46]);
    expect(Buffer.from(kernel.mean.buffer).equals(Buffer.from(reference.mean.buffer))).toBe(true);
    expect(Buffer.from(kernel.m2.buffer).equals(Buffer.from(reference.m2.buffer))).toBe(true);
  });

  it('gives the same bits however the units are split into ranges', () => {
    const units = 10_001;
    const rng = new SeededRandom(5);
    const tap = { name: 't', tensor: 't', channels: 1, height: 1, width: units };
    const whole = emptyLayerStats(tap, 1);
    const split = emptyLayerStats(tap, 1);
    const [first, ...rest] = randomRows(rng, 9, units);
    for (const stats of [whole, split]) {
      mergeActivationRange(stats, 0, [first!], 0, units);
      countMerged(stats, 0, 1);
    }
    mergeActivationRange(whole, 0, rest, 0, units);
    for (const [from, to] of [[0, 3], [3, 4099], [4099, 4100], [4100, 9000], [9000, units]] as const) mergeActivationRange(split, 0, rest, from, to);
    countMerged(whole, 0, rest.length);
    countMerged(split, 0, rest.length);
    expect(Buffer.from(split.mean.buffer).equals(Buffer.from(whole.mean.buffer))).toBe(true);
    expect(Buffer.from(split.m2.buffer).equals(Buffer.from(whole.m2.buffer))).toBe(true);
  });
});
