// What a stored run read: its model, layers, categories and images, resolved to files on disk. Every
// step that reads them again (extraction on resume, per-image analyses, reliability, ablation) loads
// them here, so the checks that they are still the run's inputs live in one place.
import { dirname } from 'node:path';
import { EngineError } from '../errors.ts';
import type { StimulusRef, TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { getModelById, type ModelRow } from '../storage/models-store.ts';
import { readRunCategories, readRunImages, readRunLayers, type RunCategory } from '../storage/run-inputs-store.ts';
import { readRunManifest, readRunRecord, type RunRecord } from '../storage/runs-store.ts';
import { countFinalStats } from '../storage/statistics-store.ts';
import { readImageFiles } from '../storage/stimuli-store.ts';

/** An image as a run read it: where it is now, its category index and the sha256 the run recorded. */
export interface RunStimulus extends StimulusRef {
  sha256: string;
}

export interface RunInputs {
  run: RunRecord;
  /** The model as the library holds it now (absolute path, preprocessing, input). */
  model: ModelRow;
  /** The sha256 of the model bytes the run used (its manifest's; the library's for a run without one). */
  modelSha256: string;
  taps: TapShape[];
  categories: RunCategory[];
  /** In the run's extraction order. */
  images: RunStimulus[];
}

export function requireRunRecord(project: Project, runId: number): RunRecord {
  const record = readRunRecord(project.db, runId);
  if (!record) throw new EngineError('not_found', `${project.path}: no run #${runId}`, { file: project.path });
  return record;
}

/** Loads run `runId`'s inputs; refuses when its model or an image is no longer in the project. */
export function loadRunInputs(project: Project, runId: number): RunInputs {
  const db = project.db;
  const run = requireRunRecord(project, runId);
  const model = getModelById(db, project.path, run.modelId);
  if (!model) throw new EngineError('not_found', `run #${runId}: its model no longer exists in the project`, { file: project.path });
  const modelSha256 = readRunManifest(db, runId)?.model.sha256 ?? model.sha256;
  if (modelSha256 !== model.sha256) {
    throw new EngineError('conflict', `run #${runId} used model bytes ${modelSha256.slice(0, 12)}…, the library now holds ${model.sha256.slice(0, 12)}… for '${model.name}'`, { file: model.path });
  }
  const runImages = readRunImages(db, runId);
  const files = readImageFiles(db, dirname(project.path), runImages.map((i) => i.imageId));
  const images = runImages.map((i): RunStimulus => {
    const file = files.get(i.imageId);
    if (!file || file.status === 'missing') throw new EngineError('not_found', `run #${runId}: image ${i.imageId} is missing from the project`, { file: project.path });
    if (file.sha256 !== i.sha256) throw new EngineError('conflict', `run #${runId}: ${file.path} changed since the run started (sha256 differs); start a new run`, { file: file.path });
    return { id: i.imageId, path: file.path, category: i.category, sha256: i.sha256 };
  });
  return { run, model, modelSha256, taps: readRunLayers(db, runId), categories: readRunCategories(db, runId), images };
}

/** The run whose final statistics serve `runId`: itself, or the ancestor it was reanalysed from. */
export function statsSource(project: Project, runId: number): number {
  let id: number | null = runId;
  const seen = new Set<number>();
  while (id !== null && !seen.has(id)) {
    seen.add(id);
    const layers = readRunLayers(project.db, id).length;
    if (layers > 0 && countFinalStats(project.db, id) === layers) return id;
    id = readRunRecord(project.db, id)?.parentRun ?? null;
  }
  throw new EngineError('conflict', `run #${runId} has no stored statistics (its extraction never finished; resume it first)`, { file: project.path });
}
