import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { extractSufficientStats, planBatches, type ExtractionState } from '../../../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { maxAbs, maxRelativeError, plainStats, tempDir, writeImages, writeModel } from './helpers.ts';

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
    const controller = new AbortController();
    let saved: ExtractionState | null = null;
    await expect(
      extractSufficientStats({
        ...base,
        signal: controller.signal,
        checkpointEvery: 1,
        onCheckpoint: (state) => {
          // Serialize like the run orchestrator does, then "crash" partway through the second category.
          saved = { doneImageIds: [...state.doneImageIds], layers: state.layers.map((s) => ({ tap: s.tap, count: s.count.slice(), mean: s.mean.slice(), m2: s.m2.slice() })) };
          if (state.doneImageIds.length >= 8) controller.abort();
        },
      }),
    ).rejects.toThrow(/cancelled/);
    expect(saved!.doneImageIds.length).toBeGreaterThanOrEqual(8);
    expect(saved!.doneImageIds.length).toBeLessThan(11);
    const resumed = await extractSufficientStats({ ...base, resume: saved! });
    resumed.layers.forEach((layer, l) => {
      expect(Array.from(layer.count)).toEqual(Array.from(full.layers[l]!.count));
      expect(Array.from(layer.mean)).toEqual(Array.from(full.layers[l]!.mean));
      expect(Array.from(layer.m2)).toEqual(Array.from(full.layers[l]!.m2));
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

  it('plans batches by category in a fixed order, each category first image alone', () => {
    const images = [3, 1, 2, 5, 4].map((id) => ({ id, path: `${id}.png`, category: id % 2 }));
    const plan = planBatches(images, 2, 2);
    expect(plan.map((b) => [b.category, b.first, b.images.map((i) => i.id)])).toEqual([
      [0, true, [2]],
      [0, false, [4]],
      [1, true, [1]],
      [1, false, [3, 5]],
    ]);
  });
});
