// The built-in demo, no download: a fresh project with the procedural localizer set, the tiny CNN the
// app generates, one run of the default recipe, and its layer x category table. It proves the whole
// path (stimuli -> model -> extraction -> statistics -> storage) in well under a minute on a laptop.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Progress } from '../../contract/protocol.ts';
import type { RecipeInput } from '../../contract/recipe.ts';
import type { ResultsTable } from '../../contract/types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import type { Engine } from '../engine.ts';
import { builtPreset } from '../../contract/models.ts';
import { addModel, generateModel } from '../models/library.ts';
import { PROJECT_EXTENSION } from '../project.ts';
import { resultsTable } from '../runs/results-queries.ts';
import { runAnalysis } from '../runs/run-analysis.ts';
import { importDemoStimuli } from '../stimuli/demo.ts';
import { isProjectFile } from '../storage/project-marker.ts';

export const DEMO_PROJECT_NAME = 'demo';
export const DEMO_MODEL_NAME = 'tiny-cnn';

export interface DemoOptions {
  out: string;
  seed: number;
  recipe?: RecipeInput | undefined;
}

export interface DemoResult {
  project: string;
  run: number;
  replaced: boolean;
  table: ResultsTable;
}

/**
 * Removes an earlier demo project (file, WAL/SHM, files folder) so the demo always starts clean. Only a
 * Unitscope project is removed: another file named demo.unitscope, or a demo.files folder without its
 * project, is not the demo's to delete.
 */
function removeEarlierDemo(path: string, filesDir: string): boolean {
  const existed = existsSync(path);
  if (existed && !isProjectFile(path)) throw new EngineError('conflict', `${path}: not a Unitscope project, so the demo does not replace it; choose another folder`, { file: path });
  if (!existed && existsSync(filesDir)) throw new EngineError('conflict', `${filesDir}: a folder the demo did not make; choose another folder`, { file: filesDir });
  for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
  rmSync(filesDir, { recursive: true, force: true });
  return existed;
}

export async function createDemo(
  engine: Engine,
  options: DemoOptions,
  hooks: { signal?: AbortSignal; progress?: (p: Progress) => void } = {},
): Promise<DemoResult> {
  const dir = resolve(options.out);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${DEMO_PROJECT_NAME}${PROJECT_EXTENSION}`);
  engine.closeProject(path);
  const replaced = removeEarlierDemo(path, join(dir, `${DEMO_PROJECT_NAME}.files`));
  const project = engine.createProject(path, DEMO_PROJECT_NAME);

  await importDemoStimuli(project, options.seed, { ...(hooks.progress ? { progress: hooks.progress } : {}) });
  throwIfAborted(hooks.signal, 'the demo');

  hooks.progress?.({ phase: 'generating model', done: 0, total: 1 });
  const modelFile = join(project.filesDir, 'models', `${DEMO_MODEL_NAME}.onnx`);
  generateModel('tiny', options.seed, modelFile);
  await addModel(project, { file: modelFile, name: DEMO_MODEL_NAME, preset: builtPreset('tiny'), taps: 'auto', storage: 'generated', source: `generated: tiny seed ${options.seed}` });
  hooks.progress?.({ phase: 'generating model', done: 1, total: 1 });

  const { run } = await runAnalysis(project, { model: DEMO_MODEL_NAME, recipe: { ...options.recipe, seed: options.seed } }, hooks);
  return { project: path, run, replaced, table: resultsTable(project, run) };
}
