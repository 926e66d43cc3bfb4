// compare_resnet50: the image-level comparison of two untrained ResNet-50 runs (seeds 0 and 1, the 16 block
// taps, pairwise-t) at the default bootstrap settings (1,000 iterations, 2,048 units per stratum), on the
// generated bench images in 6 categories. A first child process builds the project and both runs (cached
// under bench/.work/compare-resnet50); a second one only compares, so its peak resident memory (VmHWM) is
// the comparison's alone. The baseline, measured on the same machine, is run A itself (extraction and
// analysis): the bootstrap's cost per run is printed as a ratio of it. BENCH_COMPARE_IMAGES sets the image count
// (default 2,160, fLoc's size).
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectInProcess } from '../src-main/engine/connect.ts';
import { Engine } from '../src-main/engine/engine.ts';
import { benchImages, benchTaps } from './extract-vs-inference.ts';

const IMAGES = Number(process.env.BENCH_COMPARE_IMAGES ?? 2160);
const CATEGORIES = 6;
const WORK = fileURLToPath(new URL(`./.work/compare-resnet50-${IMAGES}/`, import.meta.url));
const PROJECT = join(WORK, 'compare.unitscope');

function peakRssMB(): number {
  const line = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!line) throw new Error('no VmHWM in /proc/self/status (Linux only)');
  return Number(line[1]) / 1024;
}

/** The project with both runs; kept between bench runs (the runs take most of the time). */
async function setup(): Promise<void> {
  if (existsSync(join(WORK, 'done'))) return;
  rmSync(WORK, { recursive: true, force: true });
  const images = await benchImages(IMAGES, CATEGORIES);
  const stimuli = join(WORK, 'stimuli');
  images.forEach((img, i) => {
    const folder = join(stimuli, `category${img.category}`);
    mkdirSync(folder, { recursive: true });
    linkSync(img.path, join(folder, `img_${i}.jpg`));
  });
  const engine = new Engine();
  const client = connectInProcess(engine);
  try {
    await client.call('project.create', { path: PROJECT, name: 'compare' });
    await client.call('stimuli.import', {
      path: PROJECT,
      source: stimuli,
      map: { category0: 'faces', category1: 'bodies', category2: 'scenes', category3: 'words', category4: 'scrambled_scenes', category5: 'scrambled_words' },
      controls: { scrambled_scenes: 'scenes', scrambled_words: 'words' },
    });
    for (const seed of [0, 1]) {
      const file = join(WORK, `resnet50-seed${seed}.onnx`);
      await client.call('model.generate', { kind: 'resnet50', seed, out: file });
      await client.call('model.add', { path: PROJECT, file, name: `resnet50-seed${seed}`, preset: 'imagenet' });
    }
    const { taps } = await benchTaps(join(WORK, 'resnet50-seed0.onnx'));
    for (const seed of [0, 1]) await client.call('run.start', { path: PROJECT, model: `resnet50-seed${seed}`, layers: taps.map((t) => t.name), provider: 'cpu' });
  } finally {
    client.disconnect();
    engine.close();
  }
  mkdirSync(join(WORK, 'done'));
}

async function compare(): Promise<void> {
  const engine = new Engine();
  const client = connectInProcess(engine);
  try {
    const before = peakRssMB();
    const started = performance.now();
    // A new seed each time: the replicates are stored per (run, settings), and the bench measures computing them.
    const seed = Number(process.env.BENCH_COMPARE_SEED ?? Date.now() % 1_000_000);
    const result = await client.call('results.compare', { path: PROJECT, runs: [1, 2], seed });
    const seconds = (performance.now() - started) / 1000;
    const runA = (await client.call('run.list', { path: PROJECT })).find((r) => r.id === 1)!;
    process.stdout.write(
      `${JSON.stringify({ seed, seconds, peakRssMB: peakRssMB(), peakBeforeMB: before, bootstrapSeconds: result.bootstrap?.seconds, runSeconds: runA.seconds, rows: result.rows.length, significant: result.rows.filter((r) => r.significant).length, subsetUnits: result.bootstrap?.subsets[0].reduce((s, l) => s + l.subsetUnits, 0) })}\n`,
    );
  } finally {
    client.disconnect();
    engine.close();
  }
}

function child(mode: string): string {
  const self = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, ['--import', 'tsx', self, `--${mode}`], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
  if (out.status !== 0) throw new Error(`compare_resnet50 ${mode} failed: ${out.stderr.split('\n').slice(-8).join(' ')}`);
  return out.stdout.trim().split('\n').pop() ?? '';
}

export async function run() {
  child('setup');
  const load = loadavg();
  const m = JSON.parse(child('compare')) as { seed: number; seconds: number; peakRssMB: number; peakBeforeMB: number; bootstrapSeconds: [number, number]; runSeconds: number | null; rows: number; significant: number; subsetUnits: number };
  const bootstrap = m.bootstrapSeconds[0] + m.bootstrapSeconds[1];
  return [
    {
      name: 'compare_resnet50',
      value: m.seconds,
      unit: 's',
      images: IMAGES,
      iterations: 1000,
      seed: m.seed,
      units_per_stratum: 2048,
      subset_units_per_run: m.subsetUnits,
      peak_rss_mb: m.peakRssMB,
      bootstrap_seconds_a: m.bootstrapSeconds[0],
      bootstrap_seconds_b: m.bootstrapSeconds[1],
      run_seconds_a: m.runSeconds,
      bootstrap_vs_run: m.runSeconds ? bootstrap / 2 / m.runSeconds : null,
      rows: m.rows,
      significant_rows: m.significant,
      load_average: load.map((v) => Number(v.toFixed(2))),
    },
  ];
}

if (process.argv.includes('--setup')) await setup();
if (process.argv.includes('--compare')) await compare();
