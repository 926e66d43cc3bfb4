// What a study's figures and report are drawn from, gathered from stored results only (no inference):
// each run's layer x category table, CSI distributions, consistency (when it was computed) and manifest
// (without the per-image list, which the report does not print), and the stored comparisons. For a few
// runs given by id (`unitscope figure --run`), the comparisons are computed for consecutive pairs.
import type { CompareResult } from '../../contract/results-types.ts';
import type { RunManifest } from '../../contract/run-manifest.ts';
import type { StudyData, StudyModelInfo, StudyRunData } from '../../contract/study-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import type { JobContext } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { csiResult, resultsTable } from '../runs/results-queries.ts';
import { readAggregate } from '../storage/layer-results-store.ts';
import { readRunManifest } from '../storage/runs-store.ts';
import { readStudyComparisons } from '../storage/studies-store.ts';
import { tapUnits } from '../pipeline-types.ts';
import { APP_VERSION } from '../version.ts';
import { compareStudyRuns, getStudy } from './run-study.ts';

function modelInfo(manifest: RunManifest | null, name: string): StudyModelInfo {
  if (!manifest) return { name, sha256: 'unknown', bytes: 0, source: null, preprocessing: null, taps: [] };
  const m = manifest.model;
  return { name: m.name, sha256: m.sha256, bytes: m.bytes, source: m.source, preprocessing: m.preprocessing, taps: m.taps.map((t) => ({ name: t.name, channels: t.channels, height: t.height, width: t.width, units: tapUnits(t) })) };
}

function runData(project: Project, runId: number): StudyRunData {
  const table = resultsTable(project, runId);
  const manifest = readRunManifest(project.db, runId);
  const categories = table.categories;
  const csi = Object.fromEntries(categories.map((c) => [c, csiResult(project, runId, c)]));
  const consistency = readAggregate(project.db, runId, 'consistency', -1, '') ?? null;
  // The per-image list (thousands of sha256s) stays in the project: the report cites the set's hash.
  const trimmed = manifest ? { ...manifest, stimuli: { hash: manifest.stimuli.hash, count: manifest.stimuli.count, categories: manifest.stimuli.categories } } : null;
  return { run: table.run, model: modelInfo(manifest, table.run.model), layers: table.layers, rows: table.rows, categories, csi, consistency, manifest: trimmed };
}

function imagesPerCategory(runs: readonly StudyRunData[]): Record<string, number> {
  const manifest = runs[0]?.manifest as Pick<RunManifest, 'stimuli'> | null | undefined;
  return Object.fromEntries((manifest?.stimuli.categories ?? []).map((c) => [c.name, c.images]));
}

function software(): StudyData['software'] {
  return { app: APP_VERSION, node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function studyData(project: Project, id: number): StudyData {
  const study = getStudy(project, id);
  const runIds = study.runs.map((r) => r.run);
  const ready = runIds.every((r, i) => r !== null && study.runs[i]!.status === 'finished');
  if (!ready) throw new EngineError('conflict', `study #${id} is ${study.status}: its figures need every model's run finished (resume it with study.resume)`, { file: project.path });
  const runs = (runIds as number[]).map((r) => runData(project, r));
  return { project: { name: project.info().name, path: project.path }, study, runs, comparisons: readStudyComparisons(project.db, id), images: imagesPerCategory(runs), software: software() };
}

/** Figures of finished runs without a study: consecutive pairs are compared (A = the first given). */
export async function runsData(project: Project, runIds: readonly number[], job: JobContext): Promise<StudyData> {
  const runs = runIds.map((r) => runData(project, r));
  const comparisons: CompareResult[] = [];
  for (let i = 0; i + 1 < runIds.length; i++) {
    throwIfAborted(job.signal, 'the comparison');
    comparisons.push(await compareStudyRuns(project, runIds[i]!, runIds[i + 1]!, {}, { signal: job.signal, progress: job.progress }));
  }
  return { project: { name: project.info().name, path: project.path }, study: null, runs, comparisons, images: imagesPerCategory(runs), software: software() };
}
