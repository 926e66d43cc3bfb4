// scramble_phase: Fourier phase scrambling of fLoc-sized scenes (1024 x 1024 grayscale), Unitscope
// against numpy.fft on the same images with the same random phases (the app's noise, written for numpy).
// Ours: the scramble workers (scramble-worker.ts, one per core, images pipelined) from decoded pixels
// to scrambled pixels; numpy: bench/scramble_numpy_baseline.py, one process, rfft2 / irfft2 per image
// (the fastest numpy formulation; the common fft2 / ifft2 one is ~3x slower). Both sides scramble a
// grayscale image's single plane once. value = our seconds / numpy's seconds, target <= 2; the bytes
// of both are compared (mismatched_bytes) and one image's planes before rounding (max_abs_diff, <= 1e-5).
// Also: scrambleCategory end to end on a project (decode + scramble + PNG + import), seconds per image,
// against the 2.3 s the ndarray-fft version took. Skipped with a printed reason when python3 or numpy is
// missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { WorkerPool } from '../src-main/engine/module-worker.ts';
import { Project } from '../src-main/engine/project.ts';
import { createRng } from '../src-main/engine/random.ts';
import { importStimuli } from '../src-main/engine/stimuli/import.ts';
import { phaseNoise, phaseScramblePlanes, type ScrambleTask } from '../src-main/engine/stimuli/scramble.ts';
import { scrambleCategory } from '../src-main/engine/stimuli/scramble-category.ts';

const SIZE = 1024;
const IMAGES = 24;
const CATEGORY_IMAGES = 12;
const WORK = fileURLToPath(new URL('./.work/scramble-phase/', import.meta.url));

interface BenchResult {
  name: string;
  value: number;
  unit: string;
  [key: string]: unknown;
}

/** A grayscale scene-like image (smooth structure and fine noise), as H x W x 3 RGB. */
function scene(seed: number): Buffer {
  const rng = createRng(seed);
  const data = Buffer.alloc(SIZE * SIZE * 3);
  const fx = 0.005 + 0.03 * rng.next();
  const fy = 0.005 + 0.03 * rng.next();
  const phase = 6.28 * rng.next();
  for (let i = 0; i < SIZE * SIZE; i++) {
    const x = i % SIZE;
    const y = (i - x) / SIZE;
    const v = Math.max(0, Math.min(255, Math.round(128 + 70 * Math.sin(x * fx + phase) * Math.cos(y * fy) + 25 * (rng.next() - 0.5))));
    data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = v;
  }
  return data;
}

function numpyAvailable(): string | null {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error) return `python3 not found (${probe.error.message})`;
  if (probe.status !== 0) return `python3 has no numpy (${probe.stderr.trim().split('\n').pop()})`;
  return null;
}

async function oursOnPool(images: Buffer[]): Promise<{ seconds: number; outputs: Uint8Array[]; workers: number }> {
  const pool = new WorkerPool<ScrambleTask, Uint8Array>(new URL('../src-main/engine/stimuli/scramble-worker.ts', import.meta.url));
  try {
    // Start the workers (and compile their code) before the clock starts, as a long job amortises it.
    const tiny = { data: new Uint8Array(8 * 8 * 3), width: 8, height: 8, method: 'phase', grid: 2, phaseMode: 'channels', seed: 0 } as const;
    await Promise.all(Array.from({ length: pool.size }, () => pool.run(tiny)));
    const started = performance.now();
    const outputs = await Promise.all(images.map((data, i) => pool.run({ data, width: SIZE, height: SIZE, method: 'phase', grid: 2, phaseMode: 'channels', seed: i + 1 })));
    return { seconds: (performance.now() - started) / 1000, outputs, workers: pool.size };
  } finally {
    await pool.close();
  }
}

async function endToEnd(images: Buffer[]): Promise<number> {
  const set = join(WORK, 'set', 'scenes');
  mkdirSync(set, { recursive: true });
  for (let i = 0; i < CATEGORY_IMAGES; i++) {
    await sharp(images[i]!, { raw: { width: SIZE, height: SIZE, channels: 3 } }).greyscale().jpeg({ quality: 85 }).toFile(join(set, `scene-${i}.jpg`));
  }
  const project = Project.create(join(WORK, 'scramble.unitscope'));
  try {
    await importStimuli(project, join(WORK, 'set'));
    const started = performance.now();
    await scrambleCategory(project, { from: 'scenes', as: 'scrambled_scenes', method: 'phase', seed: 1 });
    return (performance.now() - started) / 1000 / CATEGORY_IMAGES;
  } finally {
    project.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const missing = numpyAvailable();
  if (missing) {
    process.stderr.write(`scramble_phase: skipped, ${missing}\n`);
    return [{ name: 'scramble_phase', value: NaN, unit: 'ratio', skipped: missing }];
  }
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  try {
    const images = Array.from({ length: IMAGES }, (_, i) => scene(500 + i));
    writeFileSync(join(WORK, 'pixels.u8'), Buffer.concat(images));
    writeFileSync(join(WORK, 'noise.f64'), Buffer.concat(images.map((_, i) => Buffer.from(phaseNoise(SIZE, SIZE, createRng(i + 1)).buffer))));
    const ours = await oursOnPool(images);
    const py = spawnSync('python3', [fileURLToPath(new URL('./scramble_numpy_baseline.py', import.meta.url)), WORK, String(IMAGES), String(SIZE)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (py.status !== 0) throw new Error(`numpy baseline failed (${py.status}): ${py.stderr.slice(-1000)}`);
    const numpy = JSON.parse(py.stdout.trim().split('\n').pop()!) as { seconds: number };
    const theirs = readFileSync(join(WORK, 'numpy.u8'));
    let mismatched = 0;
    ours.outputs.forEach((out, i) => {
      for (let j = 0; j < out.length; j++) if (out[j] !== theirs[i * out.length + j]) mismatched++;
    });
    // The first image's plane before rounding, against numpy's float64 plane.
    const plane = phaseScramblePlanes({ data: images[0]!, width: SIZE, height: SIZE }, 'channels', createRng(1))[0]!;
    const ref = new Float64Array(readFileSync(join(WORK, 'numpy-plane0.f64')).buffer.slice(0));
    let maxAbs = 0;
    for (let j = 0; j < ref.length; j++) maxAbs = Math.max(maxAbs, Math.abs(plane[j]! - ref[j]!));
    const perImage = await endToEnd(images);
    return [
      {
        name: 'scramble_phase',
        value: ours.seconds / numpy.seconds,
        unit: 'ratio',
        ours_seconds: ours.seconds,
        numpy_seconds: numpy.seconds,
        images: IMAGES,
        size: SIZE,
        workers: ours.workers,
        mismatched_bytes: mismatched,
        max_abs_diff: maxAbs,
        category_seconds_per_image: perImage,
        targets: { value: 2, max_abs_diff: 1e-5 },
      },
    ];
  } finally {
    rmSync(WORK, { recursive: true, force: true });
  }
}
