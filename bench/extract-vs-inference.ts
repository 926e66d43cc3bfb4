// extract_vs_inference: end-to-end extraction with sufficient statistics of the untrained ResNet-50 with all
// 16 block taps, in images/s, divided by plain ORT inference of the same model with no taps: same images,
// same preprocessing pipeline (the next batch preprocessed while this one runs), same worker-thread session
// and options, batch 1 (the fastest plain batch on CPU), measured in the same run.
// Rounds interleave the baseline and every variant so drifting machine load hits all sides alike; each
// side's rate is the median of its rounds. The load average is reported with the result (the machine may be
// shared). `value` is the default precision's ratio; the other variants get their own lines.
// 240 images in 6 categories (fLoc's count): long enough for the steady state a real run lives in (with 48,
// the pipeline's start and end and the one-off costs of a session weighed ~10 % of the loop).
// `extract_vs_inference_run` is the same ratio for `unitscope run` itself (bench/_run-loop.ts: the real CLI,
// its checkpoints and input checks inside the loop), measured once after the rounds: what a user gets.
// Env: BENCH_IMAGES (default 240), BENCH_ROUNDS (default 3), BENCH_VARIANTS (comma-separated variant names,
// or `all`; default: the default precision, one run per merge, and float32).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { presetPreprocessing, type Preprocessing } from '../src-main/contract/preprocessing.ts';
import type { StimulusRef, TapShape } from '../src-main/engine/pipeline-types.ts';
import { batchSizeFor, runsPerGroupFor } from '../src-main/engine/inference/batching.ts';
import { DEFAULT_PRECISION, extractSufficientStats, type ExtractionOptions } from '../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../src-main/engine/inference/model-graph.ts';
import { createWorkerSessionFactory, workerSessionFactory } from '../src-main/engine/inference/ort-worker.ts';
import { preprocessBatch } from '../src-main/engine/inference/preprocess.ts';
import { ortSessionFactory, sessionOptions, type SessionFactory } from '../src-main/engine/inference/session.ts';
import { generateResnet50 } from '../src-main/engine/onnx/generators/resnet50.ts';
import { encodeModel } from '../src-main/engine/onnx/proto.ts';
import { SeededRandom } from '../src-main/engine/onnx/random.ts';
import { unitscopeRunLoop } from './_run-loop.ts';

const WORK = fileURLToPath(new URL('./.work/extract-bench/', import.meta.url));
const IMAGES = Number(process.env.BENCH_IMAGES ?? 240);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CATEGORIES = 6;

/**
 * `count` 500 x 375 JPEGs (smooth colour fields with noise, like photos in size and decode cost), cached
 * under bench/.work so repeated runs and the other extraction benchmark reuse them.
 */
export async function benchImages(count: number, categories: number): Promise<StimulusRef[]> {
  const dir = join(WORK, 'images');
  mkdirSync(dir, { recursive: true });
  const images: StimulusRef[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `img_${String(i).padStart(5, '0')}.jpg`);
    if (!existsSync(path)) {
      const rng = new SeededRandom(i + 1);
      const [w, h] = [500, 375];
      const base = [rng.uniform(), rng.uniform(), rng.uniform()].map((v) => v * 200);
      const data = Buffer.alloc(w * h * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.min(255, base[c]! + (x * (c + 1)) / 20 + (y * (3 - c)) / 30 + rng.uniform() * 24);
        }
      }
      await sharp(data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
    }
    images.push({ id: i + 1, path, category: i % categories });
  }
  return images;
}

/** The untrained ResNet-50 (seed 0), generated once and cached. */
export function benchModel(): string {
  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, 'resnet50-seed0.onnx');
  if (!existsSync(file)) writeFileSync(file, encodeModel(generateResnet50(0)));
  return file;
}

export async function benchTaps(modelPath: string): Promise<{ inputName: string; taps: TapShape[] }> {
  const loaded = loadModel(modelPath);
  const taps = (await resolveTaps(loaded, 'auto')).filter((t) => /^layer\d\.\d+$/.test(t.name));
  if (taps.length !== 16) throw new Error(`expected the 16 block taps, found ${taps.length}`);
  return { inputName: loaded.input.name, taps };
}

/**
 * Plain inference, images/s: the model as is, the same pipeline as extraction (the next batch is
 * preprocessed while the worker runs this one), the session's opening not counted.
 */
export async function plainInference(modelPath: string, inputName: string, images: StimulusRef[], p: Preprocessing, batchSize: number, factory: SessionFactory): Promise<number> {
  const session = await factory(readFileSync(modelPath), 'cpu');
  try {
    const [h, w] = p.inputSize;
    const batches: StimulusRef[][] = [];
    for (let s = 0; s < images.length; s += batchSize) batches.push(images.slice(s, s + batchSize));
    const start = performance.now();
    let next = preprocessBatch(batches[0]!, p);
    for (let i = 0; i < batches.length; i++) {
      const pixels = await next;
      const run = session.run({ [inputName]: new ort.Tensor('float32', pixels, [batches[i]!.length, 3, h, w]) });
      if (i + 1 < batches.length) next = preprocessBatch(batches[i + 1]!, p);
      await run;
    }
    return images.length / ((performance.now() - start) / 1000);
  } finally {
    await session.release();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const load = () => loadavg().map((v) => Number(v.toFixed(2)));

export async function run() {
  const modelPath = benchModel();
  const images = await benchImages(IMAGES, CATEGORIES);
  const { inputName, taps } = await benchTaps(modelPath);
  const preprocessing = presetPreprocessing('imagenet');
  const batch = batchSizeFor('cpu', taps, 224 * 224);
  const base: ExtractionOptions = { modelPath, preprocessing, inputName, taps, images, categories: CATEGORIES, provider: 'cpu' };
  const slots = 2 * runsPerGroupFor(taps);
  const allVariants: Array<{ name: string; options: Partial<ExtractionOptions> }> = [
    { name: 'float64', options: { precision: 'float64' } },
    // Every run merged on its own (the default before merge groups): what grouping the float64 merge buys.
    { name: 'float64_group1', options: { precision: 'float64', runsPerGroup: 1 } },
    { name: 'float32', options: { precision: 'float32' } },
    // The same exact reduction with the runtime on the main thread: what the worker's overlap buys.
    { name: 'float64_in_process', options: { precision: 'float64', sessionFactory: ortSessionFactory } },
    { name: 'float64_batch8', options: { precision: 'float64', batchSize: 8 } },
    // Each run's outputs transferred from the worker (new buffers on the main thread) instead of shared slots.
    { name: 'float64_transferred', options: { precision: 'float64', sessionFactory: workerSessionFactory } },
    // One intra-op thread: the runtime and the host work each get a core instead of contending for both.
    { name: 'float64_ort_1_thread', options: { precision: 'float64', sessionFactory: createWorkerSessionFactory({ outputSlots: slots, optionsFor: (p) => ({ ...sessionOptions(p), intraOpNumThreads: 1 }) }) } },
  ];
  const wanted = (process.env.BENCH_VARIANTS ?? 'float64_group1,float32').split(',');
  const variants = allVariants.filter((v) => v.name === 'float64' || wanted.includes('all') || wanted.includes(v.name));
  const loadBefore = load();
  const baseline: number[] = [];
  const rates: Record<string, number[]> = {};
  const batches: Record<string, number> = {};
  const groups: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    baseline.push(await plainInference(modelPath, inputName, images, preprocessing, batch, workerSessionFactory));
    for (const v of variants) {
      const result = await extractSufficientStats({ ...base, ...v.options });
      (rates[v.name] ??= []).push(result.imagesPerSecond);
      batches[v.name] = result.batchSize;
      groups[v.name] = result.groupSize;
    }
  }
  const runLoop = await unitscopeRunLoop(join(WORK, 'run-project'), images, modelPath, taps.map((t) => t.name));
  const loadAfter = load();
  const inference = median(baseline);
  const common = {
    images: images.length,
    taps: taps.length,
    rounds: ROUNDS,
    inference_batch: batch,
    inference_rounds: baseline.map((x) => Number(x.toFixed(2))), loadavg_before: loadBefore, loadavg_after: loadAfter, cores: availableParallelism() };
  const ofRun = {
    name: 'extract_vs_inference_run',
    value: runLoop.imagesPerSecond / inference,
    unit: 'ratio',
    extract_images_per_s: runLoop.imagesPerSecond,
    inference_images_per_s: inference,
    variant: 'unitscope run',
    run_extraction_s: runLoop.extractionSeconds,
    target: 0.8,
    ...common,
  };
  const ofLoop = variants.map((v) => {
    const extract = median(rates[v.name]!);
    const isDefault = v.name === DEFAULT_PRECISION;
    return {
      name: isDefault ? 'extract_vs_inference' : `extract_vs_inference_${v.name}`,
      value: extract / inference,
      unit: 'ratio',
      extract_images_per_s: extract,
      inference_images_per_s: inference,
      precision: v.options.precision,
      variant: v.name,
      batch: batches[v.name],
      group: groups[v.name],
      extract_rounds: rates[v.name]!.map((x) => Number(x.toFixed(2))),
      target: 0.8,
      ...common,
    };
  });
  return [...ofLoop, ofRun];
}
