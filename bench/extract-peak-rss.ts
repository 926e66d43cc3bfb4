// extract_peak_rss: peak resident memory of a 1,584-image extraction of the untrained ResNet-50 with its
// 16 block taps (fused statistics, default settings). Target: under 3 GB. Measured in a child process so
// the number is this run's alone (BENCH_RSS_IMAGES overrides the count for a quick check).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { presetPreprocessing } from '../src-main/contract/preprocessing.ts';
import { extractSufficientStats } from '../src-main/engine/inference/extract.ts';
import { loadModel, resolveTaps } from '../src-main/engine/inference/model-graph.ts';
import { benchImages, benchModel } from './extract-vs-inference.ts';

const IMAGES = Number(process.env.BENCH_RSS_IMAGES ?? 1584);
const DISTINCT = 96; // distinct files, cycled: decoding cost is real, disk use stays small

async function child(): Promise<void> {
  const modelPath = benchModel();
  const files = await benchImages(DISTINCT, 6);
  const images = Array.from({ length: IMAGES }, (_, i) => ({ id: i + 1, path: files[i % DISTINCT]!.path, category: i % 6 }));
  const loaded = loadModel(modelPath);
  const taps = (await resolveTaps(loaded, 'auto')).filter((t) => t.name.startsWith('layer'));
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  const result = await extractSufficientStats({
    modelPath,
    preprocessing: presetPreprocessing('imagenet'),
    inputName: loaded.input.name,
    taps,
    images,
    categories: 6,
    provider: 'cpu',
    onProgress: () => (peak = Math.max(peak, process.memoryUsage.rss())),
  });
  clearInterval(timer);
  process.stdout.write(`${JSON.stringify({ peakRssMB: peak / 2 ** 20, imagesPerSecond: result.imagesPerSecond, seconds: result.seconds })}\n`);
}

export async function run() {
  const self = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, ['--import', 'tsx', self, '--child'], { encoding: 'utf8', maxBuffer: 1 << 20, env: process.env });
  if (out.status !== 0) throw new Error(`extract_peak_rss child failed: ${out.stderr.split('\n').slice(-5).join(' ')}`);
  const line = out.stdout.trim().split('\n').pop()!;
  const measured = JSON.parse(line) as { peakRssMB: number; imagesPerSecond: number; seconds: number };
  return [{ name: 'extract_peak_rss', value: measured.peakRssMB, unit: 'MB', images: IMAGES, taps: 16, target_mb: 3072, images_per_s: measured.imagesPerSecond, seconds: measured.seconds }];
}

if (process.argv.includes('--child')) await child();
