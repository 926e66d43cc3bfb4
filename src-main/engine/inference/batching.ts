// Batch size. Exact (float64) extraction on the CPU provider runs one image per run: measured on 2 cores,
// batches of 8-11 ran plain inference ~17 % slower and exact extraction about 2x slower than single images
// (ORT already parallelizes within an image; bigger batches grow its arena and the host's working set).
// Otherwise from a memory budget, per image and per extraction precision: fused float32 sums amortize
// their host merge over the batch (batch 8 measured 1.4x faster than 1 on CPU).
// ResNets' other activations are of the same order as their taps, so the runtime's own working set is
// counted as twice the taps.
// - float64 (exact): the taps come out of the runtime as float32 outputs, and two batches' outputs are
//   alive at once (one being written by the runtime, the previous one being reduced on the host);
// - float32 (fused): the graph materializes a centered copy of each tap before reducing it; its outputs
//   are per batch, not per image.
import type { StatsPrecision } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import type { ConcreteProvider } from './session.ts';
import type { TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';

export const MAX_BATCH = 32;

/**
 * Most single-image runs merged on the host at once (exact extraction on the CPU): the float64 merge of a
 * ResNet-50 image measured ~3.8 ms in groups of 8, 4.8 in groups of 4, 4.4-4.7 in groups of 16 and 11.5
 * alone (docs/extraction.md).
 */
export const MAX_RUNS_PER_GROUP = 8;

/**
 * Single-image runs merged at once: each run's taps wait in a shared slot until their group is merged, and
 * a group is merged while the next one runs, so two groups' slots are alive; together they get at most a
 * quarter of the budget.
 */
export function runsPerGroupFor(taps: readonly TapShape[], budgetMB = DEFAULT_MEMORY_BUDGET_MB): number {
  const perRun = taps.reduce((s, t) => s + tapUnits(t), 0) * 4;
  return Math.max(1, Math.min(MAX_RUNS_PER_GROUP, Math.floor((budgetMB * 1024 * 1024) / 4 / (2 * perRun))));
}

export function bytesPerImage(taps: readonly TapShape[], inputPixels: number, precision: StatsPrecision = 'float64'): number {
  const tapUnitsTotal = taps.reduce((s, t) => s + tapUnits(t), 0);
  const runtime = tapUnitsTotal * 4 * 2;
  const extra = precision === 'float64' ? tapUnitsTotal * 4 * 2 : tapUnitsTotal * 4;
  return runtime + extra + inputPixels * 3 * 4 * 2;
}

/** 1 for exact on CPU; else the largest batch whose working set fits `budgetMB`, at least 1, at most `MAX_BATCH`. */
export function batchSizeFor(provider: ConcreteProvider, taps: readonly TapShape[], inputPixels: number, budgetMB = DEFAULT_MEMORY_BUDGET_MB, precision: StatsPrecision = 'float64'): number {
  if (provider === 'cpu' && precision === 'float64') return 1;
  const perImage = bytesPerImage(taps, inputPixels, precision);
  return Math.max(1, Math.min(MAX_BATCH, Math.floor((budgetMB * 1024 * 1024) / perImage)));
}

const MIB = 1024 * 1024;

/**
 * Refuses a batch asked for by hand whose working set (bytesPerImage per image) is over the budget,
 * before anything runs, saying which batch would fit; also batch 1, when even one image is over it.
 */
export function checkBatchFits(taps: readonly TapShape[], inputPixels: number, batch: number, budgetMB: number, precision: StatsPrecision, model: string): void {
  const perImage = bytesPerImage(taps, inputPixels, precision);
  if (batch * perImage <= budgetMB * MIB) return;
  const fits = Math.floor((budgetMB * MIB) / perImage);
  const advice =
    fits >= 1
      ? `batch ${Math.min(fits, MAX_BATCH)} fits (or leave --batch out and the engine picks it)`
      : 'not even one image fits: raise the budget (--memory-budget) or analyse fewer layers (--layers)';
  throw new EngineError(
    'unsupported',
    `${model}: batch ${batch} needs about ${Math.ceil((batch * perImage) / MIB)} MiB (${Math.ceil(perImage / MIB)} MiB per image for ${taps.length} taps, ${precision} statistics), over the memory budget of ${budgetMB} MiB; ${advice}`,
  );
}
