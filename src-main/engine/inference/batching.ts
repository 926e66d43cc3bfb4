// Batch size from a memory budget. Per image, the runtime holds each tap's activations plus the
// centered copy the reduction reads (the squares are reduced without materializing), and the input;
// the network's other activations are of the same order as its taps for ResNets, hence the factor 3.
import type { TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';

export const DEFAULT_MEMORY_BUDGET_MB = 1024;
export const MAX_BATCH = 32;

export function bytesPerImage(taps: readonly TapShape[], inputPixels: number, precisionBytes = 4): number {
  const tapUnitsTotal = taps.reduce((s, t) => s + tapUnits(t), 0);
  return tapUnitsTotal * (4 + 2 * precisionBytes) + tapUnitsTotal * 4 + inputPixels * 3 * 4;
}

/** The largest batch whose working set fits `budgetMB`, at least 1, at most `MAX_BATCH` and the model's fixed batch. */
export function batchSizeFor(taps: readonly TapShape[], inputPixels: number, budgetMB = DEFAULT_MEMORY_BUDGET_MB, precisionBytes = 4, fixed: number | null = null): number {
  if (fixed !== null) return fixed;
  const perImage = bytesPerImage(taps, inputPixels, precisionBytes);
  return Math.max(1, Math.min(MAX_BATCH, Math.floor((budgetMB * 1024 * 1024) / perImage)));
}
