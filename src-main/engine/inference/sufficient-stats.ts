// Merging one batch of a single category into the float64 sufficient statistics (n, mean, M2) with Chan
// et al.'s parallel update. Two inputs, one per extraction precision:
// - reduceActivations: the batch's tapped activations themselves (float32, B x units). Every deviation is
//   taken from the category's running mean in float64, where x - mean is exact to one rounding, so the
//   variance stays within ~1e-15 relative even when |mean| / std = 1e4 (method.md asks 1e-9).
// - mergeSums: per-unit sums of (x - shift) and (x - shift)^2 that the graph reduced in float32.
// Both are one pass over the units with the batch loop inside, so the float64 state is read and written
// once per batch however large the batch is.
import type { LayerStats } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';

/** Merges images of category k into `stats`: `rows[b]` holds image b's activations (units values). */
export function reduceActivations(stats: LayerStats, k: number, rows: readonly Float32Array[]): void {
  const units = tapUnits(stats.tap);
  const nb = rows.length;
  const n = stats.count[k]!;
  const total = n + nb;
  const wb = nb / total;
  const cross = (n * nb) / total;
  const base = k * units;
  const mean = stats.mean;
  const m2 = stats.m2;
  if (n === 0) {
    // A new category: deviations from its first image (any value near the data serves; this one is at hand).
    const first = rows[0]!;
    for (let u = 0; u < units; u++) {
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
  } else if (nb === 1) {
    // The general update below with a single image, minus its zero terms (bit for bit the same result).
    const x = rows[0]!;
    for (let u = 0; u < units; u++) {
      const i = base + u;
      const d = x[u]! - mean[i]!;
      mean[i] = mean[i]! + d * wb;
      m2[i] = m2[i]! + d * d * cross;
    }
  } else {
    for (let u = 0; u < units; u++) {
      const i = base + u;
      const shift = mean[i]!;
      let a = 0;
      let q = 0;
      for (let b = 0; b < nb; b++) {
        const d = rows[b]![u]! - shift;
        a += d;
        q += d * d;
      }
      // Batch mean minus running mean is db; the batch's own M2 is q - a * db (>= 0 up to rounding of q).
      const db = a / nb;
      mean[i] = shift + db * wb;
      m2[i] = m2[i]! + (q - a * db) + db * db * cross;
    }
  }
  stats.count[k] = total;
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
