// Builds a run's reproducibility manifest (its schema is the contract's run-manifest.ts): created whole
// when the run is, derived from the source run's for a reanalysis, then completed with what only the
// run itself learns (the provider extraction ran on, the timings). Every change goes through here.
import { createHash } from 'node:crypto';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { RecipeSettings } from '../../contract/recipe.ts';
import type { ManifestImage, RunManifest } from '../../contract/run-manifest.ts';
import type { Project } from '../project.ts';
import { readRunManifest, setRunManifest } from '../storage/runs-store.ts';
import { APP_VERSION } from '../version.ts';
import { buildInfo } from '../build-info.ts';
import type { RunPlan } from './run-plan.ts';

export function stimulusSetHash(images: readonly Pick<ManifestImage, 'category' | 'sha256'>[]): string {
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

const NO_TIMINGS: RunManifest['timings'] = { extractionSeconds: null, analysisSeconds: null, totalSeconds: null, imagesPerSecond: null, finishedAt: null };

/** The manifest of a new run of `plan`. */
export function newRunManifest(id: number, plan: RunPlan, recipe: RecipeSettings, execution: RunManifest['execution'], extra: Pick<RunManifest, 'shards'> = {}): RunManifest {
  const { model, taps, categories, manifestImages } = plan;
  return {
    app: appInfo(),
    run: { id, parentRun: null, createdAt: new Date().toISOString() },
    model: { name: model.name, sha256: model.sha256, bytes: model.bytes, source: model.source, preprocessing: model.preprocessing, inputName: model.inputName, taps },
    stimuli: { hash: stimulusSetHash(manifestImages), count: manifestImages.length, categories, images: manifestImages },
    recipe,
    seeds: { recipe: recipe.seed },
    execution,
    timings: NO_TIMINGS,
    platform: platformInfo(),
    ...extra,
  };
}

/** The manifest of run `id`, a reanalysis of `source` with `recipe` from the statistics of run `statisticsFrom`. */
export function reanalysisManifest(source: RunManifest, id: number, statisticsFrom: number, recipe: RecipeSettings): RunManifest {
  return {
    ...source,
    app: appInfo(),
    run: { id, parentRun: source.run.id, createdAt: new Date().toISOString(), statisticsFrom },
    recipe,
    seeds: { recipe: recipe.seed },
    timings: { ...source.timings, analysisSeconds: null, totalSeconds: null, finishedAt: null },
    platform: platformInfo(),
  };
}

/** What extraction learnt: the provider it ran on (every provider tried, and what it fell back from), the precision, batch and runtime it used. */
export function withExtraction(
  manifest: RunManifest,
  result: Pick<RunManifest['execution'], 'provider' | 'fallback' | 'precision' | 'providers' | 'effectiveBatch' | 'groupSize' | 'onnxruntime' | 'intraOpThreads'>,
): RunManifest {
  return { ...manifest, execution: { ...manifest.execution, ...result } };
}

/** What a run took. `extraction` is left as recorded when omitted (a reanalysis keeps its source's). */
export interface RunTimings {
  totalSeconds: number;
  analysisSeconds: number;
  extraction?: { seconds: number | null; imagesPerSecond: number | null };
}

export function withTimings(manifest: RunManifest, timings: RunTimings): RunManifest {
  const extraction = timings.extraction ?? { seconds: manifest.timings.extractionSeconds, imagesPerSecond: manifest.timings.imagesPerSecond };
  return {
    ...manifest,
    timings: {
      extractionSeconds: extraction.seconds,
      imagesPerSecond: extraction.imagesPerSecond,
      analysisSeconds: timings.analysisSeconds,
      totalSeconds: timings.totalSeconds,
      finishedAt: new Date().toISOString(),
    },
  };
}

/** Rewrites run `runId`'s stored manifest with `change` (call inside the transaction that goes with it). */
export function updateRunManifest(project: Project, runId: number, change: (manifest: RunManifest) => RunManifest): void {
  const manifest = readRunManifest(project.db, runId);
  if (manifest) setRunManifest(project.db, runId, change(manifest));
}
