// extract_peak_rss: peak resident memory of a 1,584-image extraction (1,584 distinct generated JPEGs, cached
// under bench/.work) of the untrained ResNet-50 with its 16 block taps, default settings, 6 categories.
// Target: under 3 GB. The run happens in a child process that reads its own VmHWM from /proc/self/status
// at the end, so the number is this run's peak alone (the worker thread's memory included: same process).
// BENCH_RSS_IMAGES overrides the count for a quick check.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { presetPreprocessing } from '../src-main/contract/preprocessing.ts';
import { extractSufficientStats } from '../src-main/engine/inference/extract.ts';
import { benchImages, benchModel, benchTaps } from './extract-vs-inference.ts';

const IMAGES = Number(process.env.BENCH_RSS_IMAGES ?? 1584);
const CATEGORIES = 6;

/** Peak resident set size of this process so far, in MB (Linux). */
function peakRssMB(): number {
  const line = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!line) throw new Error('no VmHWM in /proc/self/status (Linux only)');
  return Number(line[1]) / 1024;
}

async function child(): Promise<void> {
  const modelPath = benchModel();
  const images = await benchImages(IMAGES, CATEGORIES);
  const { inputName, taps } = await benchTaps(modelPath);
  const before = peakRssMB();
  const result = await extractSufficientStats({ modelPath, preprocessing: presetPreprocessing('imagenet'), inputName, taps, images, categories: CATEGORIES, provider: 'cpu' });
  process.stdout.write(`${JSON.stringify({ peakRssMB: peakRssMB(), peakBeforeMB: before, imagesPerSecond: result.imagesPerSecond, seconds: result.seconds, precision: result.precision, batch: result.batchSize, group: result.groupSize })}\n`);
}

export async function run() {
  const self = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, ['--import', 'tsx', self, '--child'], { encoding: 'utf8', maxBuffer: 1 << 20, env: process.env });
  if (out.status !== 0) throw new Error(`extract_peak_rss child failed: ${out.stderr.split('\n').slice(-5).join(' ')}`);
  const line = out.stdout.trim().split('\n').pop()!;
  const m = JSON.parse(line) as { peakRssMB: number; peakBeforeMB: number; imagesPerSecond: number; seconds: number; precision: string; batch: number; group: number };
  return [{ name: 'extract_peak_rss', value: m.peakRssMB, unit: 'MB', images: IMAGES, categories: CATEGORIES, taps: 16, target_mb: 3072, precision: m.precision, batch: m.batch, group: m.group, images_per_s: m.imagesPerSecond, seconds: m.seconds, peak_before_extraction_mb: m.peakBeforeMB }];
}

if (process.argv.includes('--child')) await child();
