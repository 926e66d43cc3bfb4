import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { createResponseGatherer } from '../../../src-main/engine/inference/gather.ts';
import { copyForRewrite, loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { preprocessFile } from '../../../src-main/engine/inference/preprocess.ts';
import { exposeTensors } from '../../../src-main/engine/onnx/rewrite.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { tempDir, writeImages, writeModel } from './helpers.ts';

describe('response gatherer', () => {
  it('returns images x units equal to the plainly exposed tap values, in image order', async () => {
    const dir = tempDir();
    const modelPath = writeModel(dir, 'tiny', 6);
    const images = await writeImages(dir, [3, 2], 5);
    const preprocessing = presetPreprocessing('imagenet', [64, 64]);
    const loaded = loadModel(modelPath, [64, 64]);
    const taps = await resolveTaps(loaded, 'auto');
    // A tiny budget forces batches of one image.
    const gatherer = await createResponseGatherer({ modelPath, preprocessing, inputName: loaded.input.name, taps, images, provider: 'cpu', memoryBudgetMB: 0.1 });
    const units = Int32Array.from([0, 5, 4095, 17, 5]);
    const got = await gatherer.gather('layer3.0', units);
    const empty = await gatherer.gather('layer1.0', new Int32Array(0));
    await gatherer.close();
    expect(empty.length).toBe(0);

    const model = copyForRewrite(loaded.model);
    exposeTensors(model, ['layer3.0']);
    const session = await ort.InferenceSession.create(encodeModel(model));
    for (let i = 0; i < images.length; i++) {
      const data = new Float32Array(3 * 64 * 64);
      await preprocessFile(images[i]!.path, preprocessing, data, 0);
      const row = (await session.run({ input: new ort.Tensor('float32', data, [1, 3, 64, 64]) }))['layer3.0']!.data as Float32Array;
      units.forEach((u, j) => expect(got[i * units.length + j]).toBeCloseTo(row[u]!, 5));
    }
    await session.release();
  });
});
