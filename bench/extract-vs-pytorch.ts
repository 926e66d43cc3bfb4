// extract_vs_pytorch: `unitscope run` itself (the real CLI, checkpoints and input checks included; the
// rate of its extraction loop as the run records it) against a PyTorch 1.13 peer written the efficient way
// (bench/extract_pytorch_peer.py: forward hooks on the same 16 blocks, float64 per-category sums and sums of
// squares, the same ImageNet preprocessing, a DataLoader worker decoding ahead, every core to torch), on the
// same untrained ResNet-50 architecture and the same 240 images in 6 categories, measured in the same run.
// `value` = Unitscope images/s / PyTorch images/s, target >= 1.3. The peer needs Debian's /usr/bin/python3
// with torch and torchvision; without them the benchmark prints why it skipped and returns no result.
// Env: BENCH_IMAGES (default 240), BENCH_PEER_BATCH (the peer's batch, default 16).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.ts';
import { unitscopeRunLoop } from './_run-loop.ts';
import { benchImages, benchModel, benchTaps } from './extract-vs-inference.ts';

const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('./extract_pytorch_peer.py', import.meta.url));
const WORK = fileURLToPath(new URL('./.work/extract-vs-pytorch/', import.meta.url));
const IMAGES = Number(process.env.BENCH_IMAGES ?? 240);
const PEER_BATCH = Number(process.env.BENCH_PEER_BATCH ?? 16);
const CATEGORIES = 6;

const load = () => loadavg().map((v) => Number(v.toFixed(2)));

/** Why the peer cannot run here, or null when it can. */
function peerMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `${PYTHON} has no torch + torchvision (apt install python3-torch python3-torchvision): ${probe.stderr.trim().split('\n').pop()}`;
}

interface Peer {
  images_per_s: number;
  seconds: number;
  threads: number;
  torch: string;
}

function pytorchPeer(images: { path: string; category: number }[]): Peer {
  mkdirSync(WORK, { recursive: true });
  const spec = join(WORK, 'images.json');
  writeFileSync(spec, JSON.stringify({ images: images.map((i) => ({ path: i.path, category: i.category })), categories: CATEGORIES, batch: PEER_BATCH }));
  const py = spawnSync(PYTHON, [PEER, spec], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (py.status !== 0) throw new Error(`the PyTorch peer failed (${py.status ?? py.signal}): ${py.stderr}`);
  return JSON.parse(py.stdout.trim().split('\n').pop()!) as Peer;
}

export async function run(): Promise<BenchResult[]> {
  const missing = peerMissing();
  if (missing) {
    process.stderr.write(`bench: extract_vs_pytorch skipped: ${missing}\n`);
    return [];
  }
  const modelPath = benchModel();
  const images = await benchImages(IMAGES, CATEGORIES);
  const { taps } = await benchTaps(modelPath);
  const loadBefore = load();
  // The peer first, then the run, then the peer again: drifting load hits both sides alike.
  const peerRounds = [pytorchPeer(images)];
  const unitscope = await unitscopeRunLoop(join(WORK, 'project'), images, modelPath, taps.map((t) => t.name));
  peerRounds.push(pytorchPeer(images));
  const loadAfter = load();
  const peer = peerRounds.reduce((s, p) => s + p.images_per_s, 0) / peerRounds.length;
  return [
    {
      name: 'extract_vs_pytorch',
      value: unitscope.imagesPerSecond / peer,
      unit: 'ratio',
      unitscope_images_per_s: unitscope.imagesPerSecond,
      pytorch_images_per_s: peer,
      pytorch_rounds: peerRounds.map((p) => Number(p.images_per_s.toFixed(2))),
      run_extraction_s: unitscope.extractionSeconds,
      run_total_s: unitscope.totalSeconds,
      pytorch_batch: PEER_BATCH,
      pytorch_threads: peerRounds[0]!.threads,
      torch: peerRounds[0]!.torch,
      images: images.length,
      taps: taps.length,
      target: 1.3,
      loadavg_before: loadBefore,
      loadavg_after: loadAfter,
      cores: availableParallelism(),
    },
  ];
}
