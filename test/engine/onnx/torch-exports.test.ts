// Real torch.onnx.export graphs (legacy and dynamo exporters; ResNet-50 and a CLIP-style RN50), weights
// stripped: filled with random values, they must auto-tap to the 16 residual blocks with friendly names
// and run through the extractor, including the dynamo CLIP export whose batch is fixed at 1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { extractSufficientStats } from '../../../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { decodeModel, encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { readFileSync } from 'node:fs';
import { tempDir, writeImages } from '../inference/helpers.ts';
import { fillStrippedWeights } from './fill-weights.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports');
const BLOCKS = [3, 4, 6, 3].flatMap((n, s) => Array.from({ length: n }, (_, b) => `layer${s + 1}.${b}`));
const SHAPES = [3, 4, 6, 3].flatMap((n, s) => Array.from({ length: n }, () => [256 * 2 ** s, 56 / 2 ** s, 56 / 2 ** s]));

const cases = [
  { file: 'resnet50_torchscript.weightless.onnx', batch: null, preset: 'imagenet' as const },
  { file: 'resnet50_dynamo.weightless.onnx', batch: null, preset: 'imagenet' as const },
  { file: 'clip_rn50_visual_torchscript.weightless.onnx', batch: null, preset: 'clip' as const },
  { file: 'clip_rn50_visual_dynamo.weightless.onnx', batch: 1, preset: 'clip' as const },
];

describe('torch.onnx.export graphs', () => {
  it.each(cases)('$file: auto-taps layer1.0 ... layer4.2 and runs', async ({ file, batch, preset }) => {
    const dir = tempDir();
    const model = decodeModel(readFileSync(join(FIXTURES, file)));
    expect(fillStrippedWeights(model)).toBeGreaterThan(50);
    const modelPath = join(dir, file.replace('.weightless', ''));
    writeFileSync(modelPath, encodeModel(model));

    const loaded = loadModel(modelPath);
    expect(loaded.input.batch).toBe(batch);
    const taps = await resolveTaps(loaded, 'auto');
    const blocks = taps.filter((t) => t.name.startsWith('layer'));
    expect(blocks.map((t) => t.name)).toEqual(BLOCKS);
    expect(blocks.map((t) => [t.channels, t.height, t.width])).toEqual(SHAPES);
    expect(taps[0]!.name).toBe('stem');
    expect([taps[0]!.channels, taps[0]!.height, taps[0]!.width]).toEqual([64, 56, 56]);

    const images = await writeImages(dir, [2, 1], 3);
    const result = await extractSufficientStats({
      modelPath,
      preprocessing: presetPreprocessing(preset),
      inputName: loaded.input.name,
      taps: [blocks[0]!, blocks[15]!],
      images,
      categories: 2,
      provider: 'cpu',
    });
    for (const layer of result.layers) {
      expect(Array.from(layer.count)).toEqual([2, 1]);
      expect(layer.mean.every(Number.isFinite)).toBe(true);
      expect(layer.m2.every(Number.isFinite)).toBe(true);
      expect(layer.mean.some((v) => v !== 0)).toBe(true);
    }
  });
});
