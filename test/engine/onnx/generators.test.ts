// The untrained controls: torchvision's ResNet-50 shapes and the CLIP RN50 encoder's (same stage shapes),
// found by auto-tap with friendly names, and the CLIP ViT-B/32 encoder's token blocks; extracted statistics
// equal plain ones.
import { describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { extractSufficientStats } from '../../../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { generate } from '../../../src-main/engine/onnx/generators/index.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { maxAbs, maxRelativeError, plainStats, tempDir, writeImages, writeModel } from '../inference/helpers.ts';

const BLOCKS = [3, 4, 6, 3].flatMap((n, s) => Array.from({ length: n }, (_, b) => `layer${s + 1}.${b}`));
const SHAPES = [3, 4, 6, 3].flatMap((n, s) => Array.from({ length: n }, () => [256 * 2 ** s, 56 / 2 ** s, 56 / 2 ** s]));

describe('generated ResNet-50', () => {
  it('is deterministic per seed', () => {
    const a = encodeModel(generate('tiny', 9));
    const b = encodeModel(generate('tiny', 9));
    const c = encodeModel(generate('tiny', 10));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('taps the stem, 16 blocks with torchvision shapes and avgpool; fused statistics equal plain ones', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'resnet50', 2);
    const loaded = loadModel(modelPath);
    const taps = await resolveTaps(loaded, 'auto');
    expect(taps.map((t) => t.name)).toEqual(['stem', ...BLOCKS, 'avgpool']);
    expect(taps.slice(1, 17).map((t) => [t.channels, t.height, t.width])).toEqual(SHAPES);
    expect([taps[0]!.channels, taps[0]!.height, taps[0]!.width]).toEqual([64, 56, 56]);
    expect([taps[17]!.channels, taps[17]!.height, taps[17]!.width]).toEqual([2048, 1, 1]);

    // Unequal categories; batch 2 leaves a partial last batch in category 1 (first image alone, then 1).
    const images = await writeImages(dir, [3, 2], 21);
    const preprocessing = presetPreprocessing('imagenet');
    const result = await extractSufficientStats({ modelPath, preprocessing, inputName: loaded.input.name, taps, images, categories: 2, provider: 'cpu', batchSize: 2 });
    const plain = await plainStats(modelPath, preprocessing, taps, images, 2);
    taps.forEach((tap, l) => {
      const fused = result.layers[l]!;
      const p = plain[l]!;
      expect(Array.from(fused.count)).toEqual([3, 2]);
      expect(fused.mean.every(Number.isFinite)).toBe(true);
      const meanScale = maxAbs(p.mean[0]!) * 1e-3;
      const m2Scale = maxAbs(p.variance[0]!) * 1e-3;
      expect(maxRelativeError(fused.mean, p.mean[0]!, meanScale), `${tap.name} mean`).toBeLessThan(1e-6);
      expect(maxRelativeError(fused.m2, p.variance[0]!, m2Scale), `${tap.name} M2`).toBeLessThan(1e-6);
    });
  });
});

describe('generated CLIP RN50 image encoder', () => {
  it('has ResNet-50 block shapes, attention pooling to 1024-d, and finite activations', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'clip-rn50', 3);
    const loaded = loadModel(modelPath);
    const taps = await resolveTaps(loaded, 'auto');
    expect(taps.map((t) => t.name)).toEqual(['stem', ...BLOCKS, 'attnpool']);
    expect(taps.slice(1, 17).map((t) => [t.channels, t.height, t.width])).toEqual(SHAPES);
    expect(taps[17]!.channels).toBe(1024);
    const images = await writeImages(dir, [1, 1], 4);
    const result = await extractSufficientStats({ modelPath, preprocessing: presetPreprocessing('clip'), inputName: loaded.input.name, taps: [taps[0]!, taps[16]!, taps[17]!], images, categories: 2, provider: 'cpu' });
    for (const layer of result.layers) {
      expect(layer.mean.every(Number.isFinite)).toBe(true);
      expect(layer.mean.some((v) => v !== 0)).toBe(true);
    }
  });
});

describe('generated CLIP ViT-B/32 image encoder', () => {
  it('taps ln_pre, 12 resblocks as 1 + 7 x 7 tokens x 768 by module path and ln_post; extracted statistics equal plain ones', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'clip-vit-b32', 3);
    const loaded = loadModel(modelPath);
    const taps = await resolveTaps(loaded, 'auto');
    expect(taps.map((t) => t.name)).toEqual(['stem', ...Array.from({ length: 12 }, (_, i) => `transformer.resblocks.${i}`), 'ln_post']);
    for (const t of taps.slice(0, 13)) expect([t.layout, t.extraTokens, t.channels, t.height, t.width, t.batchAxis]).toEqual(['tokens', 1, 768, 7, 7, undefined]);
    expect([taps[13]!.channels, taps[13]!.height, taps[13]!.width]).toEqual([768, 1, 1]);
    const images = await writeImages(dir, [2, 1], 4);
    const preprocessing = presetPreprocessing('clip');
    const chosen = [taps[1]!, taps[12]!, taps[13]!];
    const result = await extractSufficientStats({ modelPath, preprocessing, inputName: loaded.input.name, taps: chosen, images, categories: 2, provider: 'cpu', batchSize: 2 });
    const plain = await plainStats(modelPath, preprocessing, chosen, images, 2);
    chosen.forEach((tap, l) => {
      const want = plain[l]!;
      expect(maxAbs(want.mean[0]!)).toBeGreaterThan(0);
      expect(maxRelativeError(result.layers[l]!.mean, want.mean[0]!, maxAbs(want.mean[0]!) * 1e-3), `${tap.name} mean`).toBeLessThan(1e-6);
      expect(maxRelativeError(result.layers[l]!.m2, want.variance[0]!, maxAbs(want.variance[0]!) * 1e-3), `${tap.name} M2`).toBeLessThan(1e-6);
    });
  });
});
