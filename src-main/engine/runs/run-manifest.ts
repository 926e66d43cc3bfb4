// The reproducibility manifest of a run: everything needed to say exactly what was computed and to
// compute it again (app version, model bytes and preprocessing, taps, the stimulus set down to each
// image's sha256, every recipe setting and seed, execution provider, timings, platform).
import { createHash } from 'node:crypto';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { RecipeSettings, StatsPrecision } from '../../contract/recipe.ts';
import type { CategoryDef, TapShape } from '../pipeline-types.ts';
import { APP_VERSION } from '../version.ts';
import { buildInfo, type BuildInfo } from '../build-info.ts';

export interface ManifestImage {
  id: number;
  path: string;
  sha256: string;
  category: string;
}

export interface RunManifest {
  /** build: the git commit the app ran from (engine/build-info.ts), absent in runs made before it was recorded. */
  app: { name: 'unitscope'; version: string; build?: BuildInfo };
  run: { id: number; parentRun: number | null; createdAt: string };
  model: { name: string; sha256: string; bytes: number; source: string | null; preprocessing: unknown; inputName: string; taps: TapShape[] };
  stimuli: {
    /** sha256 over "category\tsha256\n" lines in extraction order: equal sets give equal hashes. */
    hash: string;
    count: number;
    categories: (CategoryDef & { images: number })[];
    images: ManifestImage[];
  };
  recipe: RecipeSettings;
  seeds: { recipe: number };
  /**
   * precision: how extraction reduced the taps (float64 exact, float32 fused in-graph; engine/inference/extract.ts);
   * memoryBudgetMB: the budget asked for (null: the engine's default; absent in runs made before it was recorded).
   */
  execution: {
    requested: string;
    provider: string | null;
    fallback: string | null;
    batch: number | null;
    precision?: StatsPrecision;
    memoryBudgetMB?: number | null;
    /** What extraction used: images per runtime call, images merged at once, the runtime and its threads. */
    effectiveBatch?: number;
    groupSize?: number;
    onnxruntime?: string;
    intraOpThreads?: number;
  };
  timings: { extractionSeconds: number | null; analysisSeconds: number | null; totalSeconds: number | null; imagesPerSecond: number | null; finishedAt: string | null };
  platform: { os: string; release: string; arch: string; node: string; cpus: number; cpuModel: string; memoryBytes: number };
  /** Present when the statistics were merged from shards computed elsewhere (engine/shards). */
  shards?: ShardManifestEntry[];
}

/** One shard of a merged run: where and how it ran, and what it covered. */
export interface ShardManifestEntry {
  index: number;
  count: number;
  file: string;
  sha256: string;
  host: string;
  /** Scheduler job, e.g. "slurm 1234_2". */
  job: string | null;
  provider: string;
  fallback: string | null;
  images: number;
  seconds: number;
  createdAt: string;
  app: string;
  platform: string;
}

export function stimulusSetHash(images: readonly ManifestImage[]): string {
  const hash = createHash('sha256');
  for (const img of images) hash.update(`${img.category}\t${img.sha256}\n`);
  return hash.digest('hex');
}

export function platformInfo(): RunManifest['platform'] {
  const list = cpus();
  return { os: platform(), release: release(), arch: arch(), node: process.version, cpus: list.length, cpuModel: list[0]?.model ?? 'unknown', memoryBytes: totalmem() };
}

export function appInfo(): RunManifest['app'] {
  return { name: 'unitscope', version: APP_VERSION, build: buildInfo() };
}
