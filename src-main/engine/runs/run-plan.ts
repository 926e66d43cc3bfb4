// What a run of one model over the project's current stimuli consists of: the model, the taps to
// analyse, the categories with images (renumbered in run order) and the images in extraction order.
// Shared by local runs, bundles and sharded runs, so all of them freeze the same inputs.
import { dirname } from 'node:path';
import type { Progress } from '../../contract/protocol.ts';
import type { ManifestImage } from '../../contract/run-manifest.ts';
import { EngineError } from '../errors.ts';
import type { TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { getModelRow, type ModelRow } from '../storage/models-store.ts';
import type { RunCategory, RunImage } from '../storage/run-inputs-store.ts';
import { listStimuliForRun } from '../storage/stimuli-store.ts';
import { checkTapsStorable } from '../storage/value-limits.ts';
import { checkInputFiles } from './input-files.ts';

export interface RunPlan {
  model: ModelRow;
  taps: TapShape[];
  /** Categories with images, in run order (index = category number of `images`). */
  categories: RunCategory[];
  /** In extraction order (category, then image id). */
  images: RunImage[];
  /** The same images as the manifest lists them (absolute path, category name). */
  manifestImages: ManifestImage[];
}

function chooseTaps(project: Project, model: ModelRow, layers: readonly string[] | undefined): TapShape[] {
  const taps = model.taps;
  if (taps.length === 0) throw new EngineError('validation', `model '${model.name}' has no taps; choose the layers to analyse first`, { file: project.path });
  if (!layers) return taps;
  const unknown = layers.filter((name) => !taps.some((t) => t.name === name));
  if (unknown.length > 0) {
    throw new EngineError('validation', `model '${model.name}' has no layer ${unknown.map((n) => `'${n}'`).join(', ')} (layers: ${taps.map((t) => t.name).join(', ')})`);
  }
  return taps.filter((t) => layers.includes(t.name));
}

/** Resolves the model, its taps and the project's stimuli into a run plan (validated: targets, images per category). */
export function planRun(project: Project, modelName: string, layers?: readonly string[]): RunPlan {
  const model = getModelRow(project.db, project.path, modelName);
  if (!model) throw new EngineError('not_found', `${project.path}: no model named '${modelName}'`, { file: project.path });
  const taps = chooseTaps(project, model, layers);
  const { categories: allCategories, images } = listStimuliForRun(project.db, dirname(project.path));
  const counts = allCategories.map((_, k) => images.filter((i) => i.category === k).length);
  // Categories without images take no part: renumber the rest in order.
  const kept = allCategories.map((c, k) => ({ ...c, images: counts[k]!, old: k })).filter((c) => c.images > 0);
  const targets = kept.filter((c) => c.role === 'target');
  if (targets.length === 0 || kept.length < 2) {
    throw new EngineError('validation', `${project.path}: a run needs at least one target category and two categories with images (have ${kept.map((c) => `${c.name}: ${c.images}`).join(', ') || 'none'})`);
  }
  const thin = kept.filter((c) => c.images < 2);
  if (thin.length > 0) throw new EngineError('validation', `categories need at least 2 images each for the statistics: ${thin.map((c) => c.name).join(', ')}`);
  const renumber = new Map(kept.map((c, k) => [c.old, k]));
  const planned = images.filter((i) => renumber.has(i.category)).map((i) => ({ ...i, category: renumber.get(i.category)! }));
  const categories = kept.map(({ name, role, controlsFor, images: n }) => ({ name, role, controlsFor, images: n }));
  checkTapsStorable(taps, categories.length, `model ${model.name}`);
  return {
    model,
    taps,
    categories,
    images: planned.map((i) => ({ imageId: i.id, category: i.category, sha256: i.sha256 })),
    manifestImages: planned.map((i) => ({ id: i.id, path: i.path, sha256: i.sha256, category: categories[i.category]!.name })),
  };
}

/**
 * Refuses a new run when the model file or an image no longer holds the bytes the project recorded
 * when it was added: the run would record one sha256 and compute on another file.
 */
export async function checkPlanFiles(project: Project, plan: RunPlan, hooks: { signal?: AbortSignal | undefined; progress?: ((p: Progress) => void) | undefined }): Promise<void> {
  await checkInputFiles({ model: plan.model, images: plan.manifestImages }, { project: project.path, model: plan.model.name, recordedBy: 'project', reader: 'the run' }, hooks);
}
