// What a stored run read: its model, layers, categories and images, resolved to files on disk. Every
// step that reads them again (extraction, per-image analyses, reliability, ablation) loads them here and
// checks with checkRunInputs that the files still hold the bytes the run recorded (input-files.ts).
import { dirname } from 'node:path';
import { EngineError } from '../errors.ts';
import type { Progress } from '../../contract/protocol.ts';
import type { StimulusRef, TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { getModelById, type ModelRow } from '../storage/models-store.ts';
import { checkInputFiles, type CheckedInputs } from './input-files.ts';
import { readRunCategories, readRunImages, readRunLayers, type RunCategory } from '../storage/run-inputs-store.ts';
import { readRunManifest, readRunRecord, type RunRecord } from '../storage/runs-store.ts';
import { countFinalStats } from '../storage/statistics-store.ts';
import { readImageFiles } from '../storage/stimuli-store.ts';

/** An image as a run read it: where it is now, its category index and the sha256 the run recorded. */
export interface RunStimulus extends StimulusRef {
  sha256: string;
}

/**
 * The model as the run used it: the file where the library keeps it now, and the bytes (sha256),
 * preprocessing and input the run recorded (a refreshed library entry may describe a newer file).
 */
export type RunModel = Pick<ModelRow, 'id' | 'name' | 'path' | 'sha256' | 'preprocessing' | 'inputName' | 'outputKind'>;

export interface RunInputs {
  run: RunRecord;
  model: RunModel;
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
  const library = getModelById(db, project.path, run.modelId);
  if (!library) throw new EngineError('not_found', `run #${runId}: its model no longer exists in the project`, { file: project.path });
  const recorded = readRunManifest(db, runId)?.model ?? library;
  const model: RunModel = {
    id: library.id,
    name: library.name,
    path: library.path,
    sha256: recorded.sha256,
    preprocessing: recorded.preprocessing,
    inputName: recorded.inputName,
    outputKind: library.outputKind,
  };
  const runImages = readRunImages(db, runId);
  const files = readImageFiles(db, dirname(project.path), runImages.map((i) => i.imageId));
  const images = runImages.map((i): RunStimulus => {
    const file = files.get(i.imageId);
    if (!file || file.status === 'missing') throw new EngineError('not_found', `run #${runId}: image ${i.imageId} is missing from the project`, { file: project.path });
    return { id: i.imageId, path: file.path, category: i.category, sha256: i.sha256 };
  });
  return { run, model, taps: readRunLayers(db, runId), categories: readRunCategories(db, runId), images };
}

/**
 * Hashes the model file and (unless `images` is false) the images against what run `inputs.run` recorded,
 * before `reader` reads them; returns the check to repeat once they have been read.
 */
export function checkRunInputs(
  project: Project,
  inputs: RunInputs,
  reader: string,
  hooks: { signal?: AbortSignal | undefined; progress?: ((p: Progress) => void) | undefined },
  images: readonly RunStimulus[] = inputs.images,
): Promise<CheckedInputs> {
  return checkInputFiles({ model: inputs.model, images }, { project: project.path, model: inputs.model.name, recordedBy: inputs.run.id, reader }, hooks);
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
