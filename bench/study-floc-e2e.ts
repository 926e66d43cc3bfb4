// study_floc_e2e (issue 20 item 1): the whole fLoc study as a user runs it, through the contract. A
// fLoc-sized generated set (1,584 grayscale 1024 px JPEGs in fLoc's layout, as import_fLoc_sized makes)
// -> import -> phase-scrambled scenes and block-scrambled words (the paper's two controls, 288 images
// each) -> the untrained ResNet-50 and the untrained CLIP RN50 with all their taps -> the study (both
// runs and their comparison) -> the report (headless figures, SVG + PDF + PNG, and the HTML).
// Prints each phase's seconds, the total and `value` = total / (plain ORT inference of both models on the
// same images with no taps and the same preprocessing, measured in the same run). Target: <= 2.5.
// `--quick` (or BENCH_QUICK=1): 12 images per fLoc subcategory instead of 144, for trying it out.
// BENCH_CONSISTENCY=1 adds each model's representational consistency (a second pass over the images).
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetPreprocessing } from '../src-main/contract/preprocessing.ts';
import type { StimulusRef } from '../src-main/engine/pipeline-types.ts';
import { connectInProcess } from '../src-main/engine/connect.ts';
import { Engine } from '../src-main/engine/engine.ts';
import { loadModel } from '../src-main/engine/inference/model-graph.ts';
import { workerSessionFactory } from '../src-main/engine/inference/ort-worker.ts';
import { writeReport } from '../src-main/cli/figure-files.ts';
import { ensureImages, type BenchResult } from './import-floc-sized.ts';
import { plainInference } from './extract-vs-inference.ts';

const WORK = fileURLToPath(new URL('./.work/', import.meta.url));
const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const PER_SUBCATEGORY = QUICK ? 12 : 144;
const MODELS = [
  { kind: 'resnet50', name: 'resnet50-untrained', preset: 'imagenet' },
  { kind: 'clip-rn50', name: 'clip-rn50-untrained', preset: 'clip' },
] as const;

const load = () => loadavg().map((v) => Number(v.toFixed(2)));
const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(1));

export async function run(): Promise<BenchResult[]> {
  const set = join(WORK, QUICK ? 'floc-sized-quick' : 'floc-sized');
  const images = await ensureImages(PER_SUBCATEGORY, set);
  const dir = join(WORK, 'study-floc-e2e');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'floc.unitscope');
  const engine = new Engine();
  const client = connectInProcess(engine);
  const loadBefore = load();
  const phases: Record<string, number> = {};
  try {
    // The model files are written before the clock starts: generating untrained weights stands for a download.
    for (const m of MODELS) await client.call('model.generate', { kind: m.kind, seed: 0, out: join(dir, `${m.name}.onnx`) });
    const started = performance.now();
    let t = performance.now();
    await client.call('project.create', { path });
    const imported = await client.call('stimuli.import', { path, source: set });
    if (imported.added !== images) throw new Error(`study_floc_e2e: imported ${imported.added} of ${images} images`);
    phases.import = seconds(t);
    t = performance.now();
    await client.call('stimuli.scramble', { path, from: 'scenes', as: 'scrambled_scenes', method: 'phase', seed: 1 });
    phases.scramble_phase = seconds(t);
    t = performance.now();
    await client.call('stimuli.scramble', { path, from: 'words', as: 'scrambled_words', method: 'block', seed: 1 });
    phases.scramble_block = seconds(t);
    t = performance.now();
    for (const m of MODELS) await client.call('model.add', { path, file: join(dir, `${m.name}.onnx`), name: m.name, preset: m.preset });
    phases.models_add = seconds(t);
    t = performance.now();
    let lastPhase = '';
    const study = await client.call(
      'study.start',
      { path, models: MODELS.map((m) => m.name), consistency: process.env.BENCH_CONSISTENCY === '1' },
      {
        onProgress: (p) => {
          const step = p.message?.split(':')[0] ?? '';
          if (step !== lastPhase) {
            lastPhase = step;
            process.stderr.write(`study_floc_e2e: ${p.done.toFixed(1)} % ${p.message ?? ''}\n`);
          }
        },
      },
    );
    phases.study = seconds(t);
    t = performance.now();
    const data = await client.call('study.data', { path, id: study.id });
    const files = await writeReport(client, data, join(dir, 'report'));
    phases.report = seconds(t);
    const total = seconds(started);

    // The baseline: each model as it is (no taps), the same images and preprocessing, batch 1 (the fastest
    // plain batch on the CPU), the same worker-thread session as extraction.
    const listing = await client.call('stimuli.list', { path, limit: 100_000 });
    const refs: StimulusRef[] = listing.images.map((img, i) => ({ id: img.id, path: img.absolutePath, category: i % 6 }));
    const inference: Record<string, number> = {};
    for (const m of MODELS) {
      const file = join(dir, `${m.name}.onnx`);
      const rate = await plainInference(file, loadModel(file).input.name, refs, presetPreprocessing(m.preset), 1, workerSessionFactory);
      inference[m.name] = Number((refs.length / rate).toFixed(1));
    }
    const baseline = Object.values(inference).reduce((a, b) => a + b, 0);
    return [
      {
        name: 'study_floc_e2e',
        value: Number((total / baseline).toFixed(3)),
        unit: 'x plain inference',
        target: 2.5,
        goal: 1.5,
        quick: QUICK,
        images: refs.length,
        total_s: total,
        ...Object.fromEntries(Object.entries(phases).map(([k, v]) => [`${k}_s`, v])),
        inference_s: inference,
        baseline_s: Number(baseline.toFixed(1)),
        report_files: files.length,
        load_before: loadBefore,
        load_after: load(),
      },
    ];
  } finally {
    client.disconnect();
    engine.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const result of await run()) process.stdout.write(`${JSON.stringify(result)}\n`);
}
