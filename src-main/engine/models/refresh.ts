// `model refresh`: the library entry of a model whose file changed on disk (re-exported, fine-tuned,
// replaced) is brought up to date: the file is hashed and inspected again (input, taps by their tensors)
// and the new sha256, size, input and tap shapes are recorded. New runs then use and record the new
// bytes; runs made before keep the sha256 they read, so their per-image analyses refuse the new file.
import { existsSync, statSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import { loadModel, resolveTaps } from '../inference/model-graph.ts';
import type { Project } from '../project.ts';
import { getModelRow, updateModelFile } from '../storage/models-store.ts';
import { acquireWriteLock } from '../storage/project-lock.ts';
import { modelSha256 } from './hash.ts';
import { outputKindOf } from './library.ts';

export interface RefreshOutcome {
  previousSha256: string;
  sha256: string;
  /** False when the file still held the recorded bytes (nothing to record). */
  updated: boolean;
}

export async function refreshModel(project: Project, name: string): Promise<RefreshOutcome> {
  const lock = acquireWriteLock(project.path, `refreshing model '${name}'`);
  try {
    const row = getModelRow(project.db, project.path, name);
    if (!row) throw new EngineError('not_found', `no model named '${name}' in ${project.path}`, { file: project.path });
    if (!existsSync(row.path)) throw new EngineError('not_found', `${row.path}: the file of model '${name}' is missing; put it back (or add the model again under another name)`, { file: row.path });
    const sha256 = await modelSha256(row.path);
    if (sha256 === row.sha256) return { previousSha256: row.sha256, sha256, updated: false };
    let loaded;
    try {
      // The recorded input size: a file whose fixed size differs is refused here.
      loaded = loadModel(row.path, row.preprocessing.inputSize);
    } catch (error) {
      if (!(error instanceof EngineError) || error.kind !== 'validation') throw error;
      throw new EngineError('validation', `${error.message}; model '${name}' is set up for ${row.preprocessing.inputSize.join(' x ')}: add the new file as a new model instead`, { file: row.path, cause: error });
    }
    const tensors = row.taps.map((t) => t.tensor);
    const known = new Set((loaded.model.graph?.node ?? []).flatMap((n) => n.output ?? []));
    const lost = tensors.filter((t) => !known.has(t));
    if (lost.length > 0) {
      throw new EngineError('validation', `${row.path}: the new file has no tensor ${lost.map((t) => `'${t}'`).join(', ')} that model '${name}' taps; add it as a new model instead`, { file: row.path });
    }
    // The taps keep their names (runs and users refer to them); their shapes are the new file's.
    const taps = (await resolveTaps(loaded, tensors)).map((tap, i) => ({ ...tap, name: row.taps[i]!.name }));
    updateModelFile(project.db, row.id, { sha256, bytes: statSync(row.path).size, inputName: loaded.input.name, outputKind: outputKindOf(loaded, taps), taps });
    return { previousSha256: row.sha256, sha256, updated: true };
  } finally {
    lock.release();
  }
}
