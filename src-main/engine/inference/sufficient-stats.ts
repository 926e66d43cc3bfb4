// Merging one batch of a single category into the float64 sufficient statistics (n, mean, M2) with Chan
// et al.'s parallel update. Two inputs, one per extraction precision:
// - mergeActivationRange: the batch's tapped activations themselves (float32, B x units). Every deviation is
//   taken from the category's running mean in float64, where x - mean is exact to one rounding, so the
//   variance stays within ~1e-15 relative even when |mean| / std = 1e4 (docs/method.md#sufficient-statistics asks 1e-9).
// - mergeSums: per-unit sums of (x - shift) and (x - shift)^2 that the graph reduced in float32.
// Both are one pass over the units with the batch loop inside, so the float64 state is read and written
// once per batch however large the batch is. The exact merge runs in WebAssembly (sufficient-stats.wat):
// two units per SIMD step, tile by tile so a group's rows and the state it updates stay in cache; it is
// the extraction's main host cost (docs/extraction.md: ~4 ms per ResNet-50 image in groups of 8, against
// 11-25 ms for the same arithmetic in JavaScript one image at a time).
import type { LayerStats } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { SUFFICIENT_STATS_WASM } from './sufficient-stats-kernel.ts';

/** Units per kernel call: 8 rows of 16 KB plus 64 KB of float64 state fit a core's L2 cache. */
const TILE = 4096;

interface KernelExports {
  memory: WebAssembly.Memory;
  merge(rows: number, stride: number, len: number, nb: number, mean: number, m2: number, wb: number, cross: number): void;
}

/** The compiled kernel, one instance per thread, its memory grown to the largest group seen. */
class MergeKernel {
  private readonly exports: KernelExports;
  private f32: Float32Array;
  private f64: Float64Array;

  constructor() {
    const module = new WebAssembly.Module(Buffer.from(SUFFICIENT_STATS_WASM, 'base64'));
    this.exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    this.f32 = new Float32Array(this.exports.memory.buffer);
    this.f64 = new Float64Array(this.exports.memory.buffer);
  }

  /**
   * Merges units [from, to) of the rows into mean/m2 at `base`, for a category holding n > 0 images: each
   * tile's rows and state are copied in, merged, and the state copied back.
   */
  merge(rows: readonly Float32Array[], from: number, to: number, mean: Float64Array, m2: Float64Array, base: number, wb: number, cross: number): void {
    const nb = rows.length;
    const meanAt = nb * TILE * 4;
    const m2At = meanAt + TILE * 8;
    this.reserve(m2At + TILE * 8);
    const { f32, f64 } = this;
    for (let start = from; start < to; start += TILE) {
      const len = Math.min(TILE, to - start);
      for (let b = 0; b < nb; b++) f32.set(rows[b]!.subarray(start, start + len), b * TILE);
      f64.set(mean.subarray(base + start, base + start + len), meanAt / 8);
      f64.set(m2.subarray(base + start, base + start + len), m2At / 8);
      this.exports.merge(0, TILE * 4, len, nb, meanAt, m2At, wb, cross);
      mean.set(f64.subarray(meanAt / 8, meanAt / 8 + len), base + start);
      m2.set(f64.subarray(m2At / 8, m2At / 8 + len), base + start);
    }
  }

  private reserve(bytes: number): void {
    const memory = this.exports.memory;
    if (memory.buffer.byteLength >= bytes) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    this.f32 = new Float32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
  }
}

let kernel: MergeKernel | null = null;

/**
 * Merges units [from, to) of a group of images of category k into `stats` (`rows[b]` holds image b's
 * activations). The count is the caller's to raise, once every unit is merged (countMerged): until then
 * every range sees the same n, and as units are independent, any split of the units gives the same bits.
 */
export function mergeActivationRange(stats: LayerStats, k: number, rows: readonly Float32Array[], from: number, to: number): void {
  const units = tapUnits(stats.tap);
  const nb = rows.length;
  const n = stats.count[k]!;
  const total = n + nb;
  const base = k * units;
  const mean = stats.mean;
  const m2 = stats.m2;
  if (n === 0) {
    // A new category (once per category and tap, so plain JavaScript): deviations from its first image
    // (any value near the data serves; this one is at hand).
    const first = rows[0]!;
    for (let u = from; u < to; u++) {
      const shift = first[u]!;
      let a = 0;
      let q = 0;
      for (let b = 1; b < nb; b++) {
        const d = rows[b]![u]! - shift;
        a += d;
        q += d * d;
      }
      const db = a / nb;
      mean[base + u] = shift + db;
      m2[base + u] = q - a * db;
    }
  } else {
    // Batch mean minus running mean is db; the batch's own M2 is q - a * db (>= 0 up to rounding of q).
    kernel ??= new MergeKernel();
    kernel.merge(rows, from, to, mean, m2, base, nb / total, (n * nb) / total);
  }
}

/** Records a group of nb images of category k as merged, after mergeActivationRange covered every unit. */
export function countMerged(stats: LayerStats, k: number, nb: number): void {
  stats.count[k] = stats.count[k]! + nb;
}

type Sums = Float32Array | Float64Array;

/** Chan et al.: merges a batch (n_b, shift + S1/n_b, S2 - S1^2/n_b) into category k of `stats`, in float64. */
export function mergeSums(stats: LayerStats, k: number, nb: number, shift: Sums, s1: Sums, s2: Sums): void {
  const units = tapUnits(stats.tap);
  const n = stats.count[k]!;
  const total = n + nb;
  const wb = nb / total;
  const cross = (n * nb) / total;
  const base = k * units;
  const mean = stats.mean;
  const m2 = stats.m2;
  for (let u = 0; u < units; u++) {
    const a = s1[u]!;
    const meanB = shift[u]! + a / nb;
    // One value has no spread; for more, rounding can only push S2 - S1^2/n below zero by an ulp.
    const m2b = nb === 1 ? 0 : Math.max(0, s2[u]! - (a * a) / nb);
    const i = base + u;
    const delta = meanB - mean[i]!;
    mean[i] = mean[i]! + delta * wb;
    m2[i] = m2[i]! + m2b + delta * delta * cross;
  }
  stats.count[k] = total;
}
