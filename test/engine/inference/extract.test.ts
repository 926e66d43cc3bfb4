import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { extractSufficientStats, outputSlotsFor, planGroups, type ExtractionOptions, type ExtractionState } from '../../../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { maxAbs, maxRelativeError, plainStats, tempDir, writeImages, writeModel } from './helpers.ts';

/** A copy of the state, as the run orchestrator stores a checkpoint (the extraction keeps mutating its own). */
function copyState(state: ExtractionState): ExtractionState {
  return { doneImageIds: [...state.doneImageIds], layers: state.layers.map((s) => ({ tap: s.tap, count: s.count.slice(), mean: s.mean.slice(), m2: s.m2.slice() })) };
}

/** Runs `options` with a checkpoint after every group, cancelled once `abortAt` images are done: the last checkpoint. */
async function lastCheckpointBeforeCancel(options: ExtractionOptions, abortAt: number): Promise<ExtractionState> {
  const controller = new AbortController();
  let saved: ExtractionState | null = null;
  const onCheckpoint = (state: ExtractionState) => {
    saved = copyState(state);
    if (state.doneImageIds.length >= abortAt) controller.abort();
  };
  await expect(extractSufficientStats({ ...options, signal: controller.signal, checkpointEvery: 1, onCheckpoint })).rejects.toThrow(/cancelled/);
  if (!saved) throw new Error('no checkpoint before the cancel');
  return saved;
}

describe('fused statistics (tiny CNN)', () => {
  // The acceptance, 1e-6 relative, for both precisions: float64 (exact, the default) reduces the
  // exposed taps on the host; float32 sums centered values in the graph (squares round at ~6e-8).
  it.each([['float64', 1e-6], ['float32', 1e-6]] as const)('equal the statistics of plainly exposed outputs, with unequal categories and partial batches (%s)', async (precision, tolerance) => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'tiny', 3);
    const images = await writeImages(dir, [7, 4, 9]);
    const preprocessing = presetPreprocessing('imagenet', [64, 64]);
    const loaded = loadModel(modelPath, [64, 64]);
    const taps = await resolveTaps(loaded, 'auto');
    expect(taps.map((t) => t.name)).toEqual(['stem', 'layer1.0', 'layer2.0', 'layer3.0', 'avgpool']);
    // Shuffled input order: the result must not depend on it.
    const shuffled = [...images].reverse();
    const result = await extractSufficientStats({ modelPath, preprocessing, inputName: loaded.input.name, taps, images: shuffled, categories: 3, provider: 'cpu', batchSize: 3, precision });
    expect(result.provider).toBe('cpu');
    expect(result.precision).toBe(precision);
    expect(result.providerFallback).toBeNull();
    const plain = await plainStats(modelPath, preprocessing, taps, images, 3);
    taps.forEach((tap, l) => {
      const fused = result.layers[l]!;
      expect(Array.from(fused.count)).toEqual([7, 4, 9]);
      const p = plain[l]!;
      const meanScale = maxAbs(p.mean[0]!) * 1e-3;
      expect(maxRelativeError(fused.mean, p.mean[0]!, meanScale), `${tap.name} mean`).toBeLessThan(tolerance);
      const m2Scale = maxAbs(p.variance[0]!) * 1e-3;
      expect(maxRelativeError(fused.m2, p.variance[0]!, m2Scale), `${tap.name} M2`).toBeLessThan(tolerance);
    });
  });

  it.each(['float64', 'float32'] as const)('resumes from a checkpoint to the same statistics as an uninterrupted run (%s)', async (precision) => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'tiny', 4);
    const images = await writeImages(dir, [5, 6], 11);
    const preprocessing = presetPreprocessing('none', [64, 64]);
    const loaded = loadModel(modelPath, [64, 64]);
    const taps = await resolveTaps(loaded, 'auto');
    const base = { modelPath, preprocessing, inputName: loaded.input.name, taps, images, categories: 2, provider: 'cpu' as const, batchSize: 2, precision };
    const full = await extractSufficientStats(base);
    // "Crash" partway through the second category.
    const saved = await lastCheckpointBeforeCancel(base, 8);
    expect(saved.doneImageIds.length).toBeGreaterThanOrEqual(8);
    expect(saved.doneImageIds.length).toBeLessThan(11);
    const resumed = await extractSufficientStats({ ...base, resume: saved });
    resumed.layers.forEach((layer, l) => {
      expect(Array.from(layer.count)).toEqual(Array.from(full.layers[l]!.count));
      expect(Array.from(layer.mean)).toEqual(Array.from(full.layers[l]!.mean));
      expect(Array.from(layer.m2)).toEqual(Array.from(full.layers[l]!.m2));
    });
  });

  // The CPU's exact path: single-image runs, merged on the host in groups while the next group runs.
  it('merges single-image runs in groups to the statistics of plainly exposed outputs, and of one run at a time', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'tiny', 6);
    const images = await writeImages(dir, [7, 4, 9], 13);
    const preprocessing = presetPreprocessing('imagenet', [64, 64]);
    const loaded = loadModel(modelPath, [64, 64]);
    const taps = await resolveTaps(loaded, 'auto');
    const base = { modelPath, preprocessing, inputName: loaded.input.name, taps, images, categories: 3, provider: 'cpu' as const };
    const grouped = await extractSufficientStats({ ...base, runsPerGroup: 3 });
    const single = await extractSufficientStats({ ...base, runsPerGroup: 1 });
    expect([grouped.batchSize, grouped.groupSize, single.groupSize]).toEqual([1, 3, 1]);
    const plain = await plainStats(modelPath, preprocessing, taps, images, 3);
    taps.forEach((tap, l) => {
      const g = grouped.layers[l]!;
      expect(Array.from(g.count)).toEqual([7, 4, 9]);
      expect(maxRelativeError(g.mean, plain[l]!.mean[0]!, maxAbs(plain[l]!.mean[0]!) * 1e-3), `${tap.name} mean`).toBeLessThan(1e-6);
      expect(maxRelativeError(g.m2, plain[l]!.variance[0]!, maxAbs(plain[l]!.variance[0]!) * 1e-3), `${tap.name} M2`).toBeLessThan(1e-6);
      // Grouping changes only the order of float64 additions.
      expect(maxRelativeError(g.mean, single.layers[l]!.mean, maxAbs(single.layers[l]!.mean) * 1e-6), `${tap.name} mean vs single`).toBeLessThan(1e-12);
      expect(maxRelativeError(g.m2, single.layers[l]!.m2, maxAbs(single.layers[l]!.m2) * 1e-6), `${tap.name} M2 vs single`).toBeLessThan(1e-12);
    });
  });

  it('resumes grouped merges bit for bit, and from another group size without counting an image twice', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'tiny', 7);
    const images = await writeImages(dir, [6, 8], 17);
    const preprocessing = presetPreprocessing('none', [64, 64]);
    const loaded = loadModel(modelPath, [64, 64]);
    const taps = await resolveTaps(loaded, 'auto');
    const base = { modelPath, preprocessing, inputName: loaded.input.name, taps, images, categories: 2, provider: 'cpu' as const, runsPerGroup: 3 };
    const full = await extractSufficientStats(base);
    const saved = await lastCheckpointBeforeCancel(base, 9);
    // Checkpoints fall between groups: the category's first image, then groups of 3.
    expect(saved.doneImageIds.length).toBe(10);
    const resumed = await extractSufficientStats({ ...base, resume: copyState(saved) });
    const otherGroups = await extractSufficientStats({ ...base, runsPerGroup: 2, resume: copyState(saved) });
    resumed.layers.forEach((layer, l) => {
      expect(Array.from(layer.count)).toEqual([6, 8]);
      expect(Array.from(layer.mean)).toEqual(Array.from(full.layers[l]!.mean));
      expect(Array.from(layer.m2)).toEqual(Array.from(full.layers[l]!.m2));
      const other = otherGroups.layers[l]!;
      expect(Array.from(other.count)).toEqual([6, 8]);
      expect(maxRelativeError(other.m2, full.layers[l]!.m2, maxAbs(full.layers[l]!.m2) * 1e-6)).toBeLessThan(1e-12);
    });
  });

  it('fails on an unreadable image with its file named, while the runtime works in its worker', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'tiny', 5);
    const images = await writeImages(dir, [4, 3], 13);
    const broken = images[5]!;
    writeFileSync(broken.path, 'not an image');
    const preprocessing = presetPreprocessing('imagenet', [64, 64]);
    const loaded = loadModel(modelPath, [64, 64]);
    const taps = await resolveTaps(loaded, 'auto');
    for (const precision of ['float64', 'float32'] as const) {
      const run = extractSufficientStats({ modelPath, preprocessing, inputName: loaded.input.name, taps, images, categories: 2, provider: 'cpu', precision });
      await expect(run).rejects.toThrow(`${broken.path}: cannot read the image`);
    }
  });

  it('gives the worker slots for two merge groups, mapped in advance only for single-image taps', () => {
    const taps = [
      { name: 'a', tensor: 'ta', channels: 4, height: 3, width: 3 },
      { name: 'b', tensor: 'tb', channels: 2, height: 1, width: 1 },
    ];
    const exposed = { exposed: ['out/a', 'out/b'] };
    expect(outputSlotsFor({ batchSize: 1, runsPerGroup: 6 }, exposed, taps)).toEqual({ outputSlots: 12, slotBytes: { 'out/a': 144, 'out/b': 8 } });
    // A batch of 8 (a GPU, or --batch): two slots, sized by the first outputs (12 would hold 12 batches).
    expect(outputSlotsFor({ batchSize: 8, runsPerGroup: 1 }, exposed, taps)).toEqual({ outputSlots: 2, slotBytes: {} });
    expect(outputSlotsFor({ batchSize: 15, runsPerGroup: 1 }, { fused: [] }, taps)).toEqual({ outputSlots: 2, slotBytes: {} });
  });

  it('plans merge groups by category in a fixed order, each category first image alone', () => {
    const images = [3, 1, 2, 5, 4].map((id) => ({ id, path: `${id}.png`, category: id % 2 }));
    const plan = planGroups(images, 2, 2);
    expect(plan.map((b) => [b.category, b.first, b.images.map((i) => i.id)])).toEqual([
      [0, true, [2]],
      [0, false, [4]],
      [1, true, [1]],
      [1, false, [3, 5]],
    ]);
  });
});
