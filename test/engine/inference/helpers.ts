// Shared test material: seeded random images on disk, generated models, and plain (non-fused)
// statistics computed the obvious way (expose the taps, fetch every image, two-pass float64).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import type { Preprocessing } from '../../../src-main/contract/preprocessing.ts';
import type { StimulusRef, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { tapUnits } from '../../../src-main/engine/pipeline-types.ts';
import { generate, type GeneratorKind } from '../../../src-main/engine/onnx/generators/index.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import { exposeTensors } from '../../../src-main/engine/onnx/rewrite.ts';
import { copyForRewrite, loadModel } from '../../../src-main/engine/inference/model-graph.ts';
import { preprocessFile } from '../../../src-main/engine/inference/preprocess.ts';

export function tempDir(prefix = 'unitscope-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeModel(dir: string, kind: GeneratorKind, seed = 1): string {
  const file = join(dir, `${kind}.onnx`);
  writeFileSync(file, encodeModel(generate(kind, seed)));
  return file;
}

/** Per category, `counts[k]` PNGs of varied sizes whose colours depend on the category (so means differ). */
export async function writeImages(dir: string, counts: number[], seed = 7): Promise<StimulusRef[]> {
  const rng = new SeededRandom(seed);
  const images: StimulusRef[] = [];
  let id = 1;
  for (let k = 0; k < counts.length; k++) {
    for (let i = 0; i < counts[k]!; i++) {
      const width = 40 + Math.floor(rng.uniform() * 60);
      const height = 40 + Math.floor(rng.uniform() * 60);
      const data = Buffer.alloc(width * height * 3);
      for (let p = 0; p < data.length; p++) data[p] = Math.min(255, Math.floor(rng.uniform() * 200 + 25 * k * ((p % 3) + 1) * 0.5));
      const path = join(dir, `img_${k}_${i}.png`);
      await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
      images.push({ id: id++, path, category: k });
    }
  }
  return images;
}

export interface PlainStats {
  count: number[];
  mean: Float64Array[];
  variance: Float64Array[];
}

/** Two-pass float64 statistics from plainly exposed tap outputs, one image per run. */
export async function plainStats(modelPath: string, preprocessing: Preprocessing, taps: TapShape[], images: StimulusRef[], categories: number): Promise<PlainStats[]> {
  const loaded = loadModel(modelPath, preprocessing.inputSize);
  const model = copyForRewrite(loaded.model);
  exposeTensors(model, taps.map((t) => t.tensor));
  const session = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'all' });
  const [h, w] = preprocessing.inputSize;
  const rows: Float32Array[][] = taps.map(() => []);
  const cats = images.map((img) => img.category);
  // One image per run, except with a sequence-first tap (L x N x D): then all in one batch, so the tensor
  // really interleaves the images and its rows are read here by hand. (Only then: Swin-T's outputs at batch
  // 3 differ from batch 1 by 1e-4 relative, ORT's kernels for that size.)
  const batch = taps.some((t) => t.batchAxis === 1) && loaded.input.batch !== 1 ? images.length : 1;
  const plane = 3 * h * w;
  for (let first = 0; first < images.length; first += batch) {
    const data = new Float32Array(batch * plane);
    for (let i = 0; i < batch; i++) await preprocessFile(images[first + i]!.path, preprocessing, data, i * plane);
    const out = await session.run({ [loaded.input.name]: new ort.Tensor('float32', data, [batch, 3, h, w]) });
    taps.forEach((t, l) => {
      const values = out[t.tensor]!.data as Float32Array;
      const units = tapUnits(t);
      for (let i = 0; i < batch; i++) rows[l]!.push(t.batchAxis === 1 ? sequenceFirstRow(values, i, batch, t.channels, units) : values.slice(i * units, (i + 1) * units));
    });
  }
  await session.release();
  return taps.map((tap, l) => {
    const units = tapUnits(tap);
    const count = new Array<number>(categories).fill(0);
    const mean = new Float64Array(categories * units);
    const variance = new Float64Array(categories * units);
    rows[l]!.forEach((row, i) => {
      const k = cats[i]!;
      count[k]!++;
      for (let u = 0; u < units; u++) mean[k * units + u]! += row[u]!;
    });
    for (let k = 0; k < categories; k++) for (let u = 0; u < units; u++) mean[k * units + u]! /= count[k]!;
    rows[l]!.forEach((row, i) => {
      const k = cats[i]!;
      for (let u = 0; u < units; u++) {
        const d = row[u]! - mean[k * units + u]!;
        variance[k * units + u]! += d * d;
      }
    });
    return { count, mean: [mean], variance: [variance] };
  });
}

/** Image i's units (u = token * D + dim) of an L x N x D tensor. */
function sequenceFirstRow(values: Float32Array, i: number, batch: number, dims: number, units: number): Float32Array {
  const row = new Float32Array(units);
  for (let u = 0; u < units; u++) row[u] = values[(Math.floor(u / dims) * batch + i) * dims + (u % dims)]!;
  return row;
}

/** Largest |actual - expected| relative to the largest |expected| (at least `floor`): one scale for a whole tensor. */
export function worstOfLargest(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 0): number {
  let scale = floor;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i]! - expected[i]!) / scale);
  return err;
}

/** Largest relative difference, with an absolute floor `scale` so values near zero compare sensibly. */
export function maxRelativeError(actual: Float64Array, expected: Float64Array, scale: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e) / Math.max(Math.abs(e), scale);
    if (err > worst) worst = err;
  }
  return worst;
}

/** Largest |value| (a loop: spreading millions of values into Math.max overflows the stack). */
export function maxAbs(values: Float64Array): number {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}
