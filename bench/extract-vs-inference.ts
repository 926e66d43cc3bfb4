// extract_vs_inference: end-to-end extraction with fused statistics of the untrained ResNet-50 with all 16
// block taps, in images/s, divided by plain ORT inference of the same model with no taps (same images,
// same preprocessing, measured in the same run). Also reports graph variants (float32 vs float64 sums,
// batch sizes) so the cheapest can be chosen by measurement.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { presetPreprocessing } from '../src-main/contract/preprocessing.ts';
import type { StimulusRef } from '../src-main/engine/pipeline-types.ts';
import { extractSufficientStats } from '../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../src-main/engine/inference/model-graph.ts';
import { preprocessFile } from '../src-main/engine/inference/preprocess.ts';
import { sessionOptions } from '../src-main/engine/inference/session.ts';
import { generateResnet50 } from '../src-main/engine/onnx/generators/resnet50.ts';
import { encodeModel } from '../src-main/engine/onnx/proto.ts';
import { SeededRandom } from '../src-main/engine/onnx/random.ts';

const WORK = fileURLToPath(new URL('./.work/extract-bench/', import.meta.url));
const IMAGES = Number(process.env.BENCH_IMAGES ?? 32);

export async function benchImages(count: number, categories: number): Promise<StimulusRef[]> {
  mkdirSync(WORK, { recursive: true });
  const rng = new SeededRandom(1);
  const images: StimulusRef[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(WORK, `img_${i}.jpg`);
    const data = Buffer.alloc(500 * 375 * 3);
    for (let p = 0; p < data.length; p++) data[p] = Math.floor(rng.uniform() * 256);
    await sharp(data, { raw: { width: 500, height: 375, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
    images.push({ id: i + 1, path, category: i % categories });
  }
  return images;
}

export function benchModel(): string {
  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, 'resnet50.onnx');
  writeFileSync(file, encodeModel(generateResnet50(0)));
  return file;
}

async function plainInference(modelPath: string, images: StimulusRef[]): Promise<number> {
  const session = await ort.InferenceSession.create(modelPath, sessionOptions('cpu'));
  const p = presetPreprocessing('imagenet');
  const data = new Float32Array(3 * 224 * 224);
  await preprocessFile(images[0]!.path, p, data, 0);
  await session.run({ input: new ort.Tensor('float32', data, [1, 3, 224, 224]) }); // warm-up
  const start = performance.now();
  for (const img of images) {
    await preprocessFile(img.path, p, data, 0);
    await session.run({ input: new ort.Tensor('float32', data, [1, 3, 224, 224]) });
  }
  const seconds = (performance.now() - start) / 1000;
  await session.release();
  return images.length / seconds;
}

export async function run() {
  const modelPath = benchModel();
  const images = await benchImages(IMAGES, 4);
  const loaded = loadModel(modelPath);
  const taps = (await resolveTaps(loaded, 'auto')).filter((t) => t.name.startsWith('layer'));
  const variants = [
    { precision: 'float64' as const, batchSize: 1 },
    { precision: 'float32' as const, batchSize: 1 },
    { precision: 'float64' as const, batchSize: 8 },
    { precision: 'float32' as const, batchSize: 8 },
  ];
  const results: Record<string, number> = {};
  let baseline = 0;
  for (const v of variants) {
    // Interleave baseline and variant so drifting machine load hits both sides alike.
    baseline += await plainInference(modelPath, images);
    const r = await extractSufficientStats({ modelPath, preprocessing: presetPreprocessing('imagenet'), inputName: loaded.input.name, taps, images, categories: 4, provider: 'cpu', ...v });
    // Session creation is a one-off per run; the rate compares the steady state like the baseline does.
    results[`${v.precision}_b${v.batchSize}`] = r.imagesPerSecond;
  }
  baseline /= variants.length;
  const best = Object.entries(results).sort((a, b) => b[1] - a[1])[0]!;
  const defaultRate = results.float64_b1!;
  return [
    { name: 'extract_vs_inference', value: defaultRate / baseline, unit: 'ratio', extract_images_per_s: defaultRate, inference_images_per_s: baseline, variant: 'float64_b1 (default)', images: images.length, taps: taps.length },
    { name: 'extract_vs_inference_best_variant', value: best[1] / baseline, unit: 'ratio', variant: best[0], extract_images_per_s: best[1], inference_images_per_s: baseline, all: results },
  ];
}
