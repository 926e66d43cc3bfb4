// The project's model library: add an ONNX file (referenced or copied into the project's folder) with its
// preprocessing and taps, list models with a flag when the file changed since it was added, and
// generate the untrained controls.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { nameProblem } from '../../contract/names.ts';
import { presetPreprocessing, preprocessingSchema, type Preprocessing, type PreprocessingPreset } from '../../contract/preprocessing.ts';
import type { ModelInfo } from '../../contract/models.ts';
import type { TapShape } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import { EngineError, quoted } from '../errors.ts';
import type { Project } from '../project.ts';
import { loadModel, resolveTaps, type LoadedModel, type TapSelection } from '../inference/model-graph.ts';
import { generate, type GeneratorKind } from '../onnx/generators/index.ts';
import { encodeModel } from '../onnx/proto.ts';
import { getModelRow, insertModel, listModelRows, type ModelRow, type ModelStorage } from '../storage/models-store.ts';
import { listCategories } from '../storage/stimuli-store.ts';
import { checkTapsStorable } from '../storage/value-limits.ts';
import { modelSha256 } from './hash.ts';
import { copyModelFiles } from './model-files.ts';
import { alreadyExists, insideFolder, writeNewOrSameFile } from '../owned-files.ts';

export interface AddModelOptions {
  file: string;
  name: string;
  preset: PreprocessingPreset;
  /** [H, W], required for a dynamic spatial size. */
  size?: readonly [number, number];
  /** Full settings for preset 'custom'. */
  preprocessing?: Preprocessing;
  taps: TapSelection;
  /** Copy the file into the project's folder instead of referencing it. */
  copy?: boolean;
  /** How the file came to be, when not referenced/copied by the user. */
  storage?: ModelStorage;
  source?: string | null;
}

/** What the run orchestrator needs of a model. */
export interface LibraryModel {
  id: number;
  name: string;
  path: string;
  sha256: string;
  preprocessing: Preprocessing;
  inputName: string;
  taps: TapShape[];
  changed: boolean;
}

function resolvePreprocessing(options: AddModelOptions, inputSize: [number, number], file: string): Preprocessing {
  if (options.preset === 'custom') {
    if (!options.preprocessing) throw new EngineError('validation', `${file}: preset 'custom' needs the preprocessing settings`, { file });
    const p = preprocessingSchema.parse({ ...options.preprocessing, preset: 'custom' });
    if (p.inputSize[0] !== inputSize[0] || p.inputSize[1] !== inputSize[1]) {
      throw new EngineError('validation', `${file}: the custom input size ${p.inputSize.join(' x ')} does not match the model's ${inputSize.join(' x ')}`, { file });
    }
    return p;
  }
  return presetPreprocessing(options.preset, inputSize);
}

/**
 * Copies the model into the project's models folder: as models/NAME.onnx, or, when it has external-data
 * files (which keep their own names), as models/NAME/NAME.onnx with them beside it, so two models' data
 * files never meet. Returns the copy's path.
 */
function copyIntoProject(project: Project, loaded: LoadedModel, name: string): string {
  const dir = projectModelsDir(project);
  if (loaded.externalData.length === 0) {
    const target = insideFolder(dir, join(dir, `${name}.onnx`));
    copyModelFiles(loaded.file, [], target, 'the project');
    return target;
  }
  const folder = insideFolder(dir, join(dir, name));
  try {
    mkdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(folder, 'a model folder with this name is in the project; choose another name');
    throw error;
  }
  const target = join(folder, `${name}.onnx`);
  try {
    copyModelFiles(loaded.file, loaded.externalData, target, 'the project');
  } catch (error) {
    // The folder is the app's own, made just now: nothing of the user's is in it.
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/** Throws unless `name` is a valid model name not yet used in the project (checked before long work too). */
export function checkNewModelName(project: Project, name: string): void {
  // The name becomes a file name (models/<name>.onnx): the contract's one rule, also for engine callers.
  const problem = nameProblem(name);
  if (problem) throw new EngineError('validation', `model name ${quoted(name)}: ${problem}`);
  if (getModelRow(project.db, project.path, name)) {
    throw new EngineError('conflict', `a model named '${name}' is already in the project`);
  }
}

/** Where the app puts a model file it makes or downloads for the project: NAME.files/models/. */
export function projectModelsDir(project: Project): string {
  const dir = join(project.filesDir, 'models');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function addModel(project: Project, options: AddModelOptions): Promise<LibraryModel> {
  const source = resolve(options.file);
  checkNewModelName(project, options.name);
  const loaded = loadModel(source, options.size);
  const inputSize: [number, number] = [loaded.input.height, loaded.input.width];
  const preprocessing = resolvePreprocessing(options, inputSize, source);
  const taps = await resolveTaps(loaded, options.taps);
  // A contrast needs two categories at least; a project with more already needs room for them all.
  checkTapsStorable(taps, Math.max(2, listCategories(project.db).length), source);
  let path = source;
  if (options.copy) path = copyIntoProject(project, loaded, options.name);
  const sha256 = await modelSha256(path);
  const id = insertModel(project.db, project.path, {
    name: options.name,
    path,
    storage: options.storage ?? (options.copy ? 'copied' : 'referenced'),
    sha256,
    bytes: statSync(path).size,
    source: options.source ?? null,
    preprocessing,
    inputName: loaded.input.name,
    outputKind: outputKindOf(loaded, taps),
    addedAt: new Date().toISOString(),
    taps,
  });
  return { id, name: options.name, path, sha256, preprocessing, inputName: loaded.input.name, taps, changed: false };
}

/** A single 2-D output is a classifier's logits, or CLIP's embedding when the model has an attnpool tap. */
export function outputKindOf(loaded: LoadedModel, taps: readonly TapShape[]): ModelRow['outputKind'] {
  const outputs = loaded.model.graph?.output ?? [];
  const outDims = outputs[0]?.type?.tensorType?.shape?.dim?.length ?? 0;
  if (outDims !== 2 || outputs.length !== 1) return 'unknown';
  return taps.some((t) => t.name === 'attnpool') ? 'embedding' : 'classifier';
}

async function fileState(row: ModelRow): Promise<{ changed: boolean; missing: boolean }> {
  if (!existsSync(row.path)) return { changed: true, missing: true };
  const stat = statSync(row.path);
  if (stat.size !== row.bytes) return { changed: true, missing: false };
  // A file that no longer reads as a model, or lost an external-data file, is a changed one.
  return { changed: (await modelSha256(row.path).catch(() => null)) !== row.sha256, missing: false };
}

function toLibraryModel(row: ModelRow, changed: boolean): LibraryModel {
  return { id: row.id, name: row.name, path: row.path, sha256: row.sha256, preprocessing: row.preprocessing, inputName: row.inputName, taps: row.taps, changed };
}

export async function listModels(project: Project): Promise<ModelInfo[]> {
  const rows = listModelRows(project.db, project.path);
  const out: ModelInfo[] = [];
  for (const row of rows) {
    const state = await fileState(row);
    const m = toLibraryModel(row, state.changed);
    out.push({
      id: row.id,
      name: row.name,
      path: row.path,
      storage: row.storage,
      sha256: row.sha256,
      bytes: row.bytes,
      source: row.source,
      preprocessing: m.preprocessing,
      inputName: row.inputName,
      taps: row.taps.map((t) => ({ ...t, units: tapUnits(t) })),
      changed: state.changed,
      missing: state.missing,
    });
  }
  return out;
}

export async function getModel(project: Project, name: string): Promise<LibraryModel> {
  const row = getModelRow(project.db, project.path, name);
  if (!row) throw new EngineError('not_found', `no model named '${name}' in ${project.path}`);
  return toLibraryModel(row, (await fileState(row)).changed);
}

/**
 * Writes an untrained control network (or the tiny test CNN) as ONNX; the same seed gives the same file.
 * Never replaces another file: the same file already there is fine, anything else is a conflict.
 */
export function generateModel(kind: GeneratorKind, seed: number, outFile: string): { file: string; bytes: number } {
  const file = isAbsolute(outFile) ? outFile : resolve(outFile);
  mkdirSync(dirname(file), { recursive: true });
  const bytes = encodeModel(generate(kind, seed));
  writeNewOrSameFile(file, bytes, 'choose another --out file');
  return { file, bytes: bytes.length };
}
