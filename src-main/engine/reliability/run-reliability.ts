// Split-half reliability of a finished run: the per-group sufficient statistics come from the extraction
// stage itself (its images relabelled with their group as the category), so the halves are exact pooled
// statistics of real responses. Groups multiply the statistics' memory (units x groups x 16 bytes), so the
// taps are extracted in chunks that fit the memory budget, one inference pass over the images per chunk.
import type { ReliabilityResult } from '../../contract/analysis-types.ts';
import { needsPerImage, type ExecutionProviderChoice } from '../../contract/recipe.ts';
import type { AnalysisHooks } from '../ablation/run-ablation.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { extractSufficientStats } from '../inference/extract.ts';
import type { SessionFactory } from '../inference/session.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { tapUnits, type LayerStats, type TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { checkRunInputs, loadRunInputs } from '../runs/run-inputs.ts';
import { appInfo, platformInfo } from '../runs/run-manifest.ts';
import { storeAnalysis } from '../storage/analyses-store.ts';
import { readRunManifest } from '../storage/runs-store.ts';
import { DEFAULT_GROUPS_PER_CATEGORY, DEFAULT_SPLITS, planGroups, splitHalfReliability } from './split-half.ts';

export const DEFAULT_RELIABILITY_SEED = 0;
export const DEFAULT_GROUP_BUDGET_MB = 2048;

export interface ReliabilityRequest {
  run: number;
  splits?: number | undefined;
  seed?: number | undefined;
  groupsPerCategory?: number | undefined;
  /** Memory for the grouped statistics of one extraction pass. */
  memoryBudgetMB?: number | undefined;
  provider?: ExecutionProviderChoice | undefined;
  batch?: number | undefined;
  sessionFactory?: SessionFactory | undefined;
}

/** Consecutive taps whose grouped statistics fit `budgetBytes` together (a tap larger than it goes alone). */
export function chunkTaps(taps: readonly TapShape[], groups: number, budgetBytes: number): TapShape[][] {
  const chunks: TapShape[][] = [];
  let current: TapShape[] = [];
  let bytes = 0;
  for (const tap of taps) {
    const need = tapUnits(tap) * groups * 16;
    if (current.length > 0 && bytes + need > budgetBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(tap);
    bytes += need;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export async function reliabilityForRun(project: Project, request: ReliabilityRequest, hooks: AnalysisHooks = {}): Promise<ReliabilityResult> {
  const started = performance.now();
  const { run } = request;
  const inputs = loadRunInputs(project, run);
  const { model, taps, images, run: record } = inputs;
  if (record.status !== 'finished') throw new EngineError('conflict', `run #${run} is ${record.status}; reliability needs a finished run`, { file: project.path });
  const recipe = record.recipe;
  if (needsPerImage(recipe)) throw new EngineError('unsupported', `run #${run} uses ${recipe.recipe}, which needs per-image responses; split halves work from sufficient statistics`);
  const splits = request.splits ?? DEFAULT_SPLITS;
  const seed = request.seed ?? DEFAULT_RELIABILITY_SEED;
  const cap = request.groupsPerCategory ?? DEFAULT_GROUPS_PER_CATEGORY;
  const categories = inputs.categories.map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  let layout;
  try {
    layout = planGroups(images, categories.length, cap, seed);
  } catch (error) {
    throw new EngineError('validation', `run #${run}: ${(error as Error).message}`);
  }
  const chunks = chunkTaps(taps, layout.total, (request.memoryBudgetMB ?? DEFAULT_GROUP_BUDGET_MB) * 1024 * 1024);
  // The halves stand for run #run's images: they must be its bytes (checked again after every pass).
  const checked = await checkRunInputs(project, inputs, 'the reliability analysis', hooks);
  const meter = new ProgressMeter('split-half statistics', chunks.length * images.length, (p) => hooks.progress?.(p), 'images');
  const grouped: LayerStats[] = [];
  let provider = '';
  for (const chunk of chunks) {
    throwIfAborted(hooks.signal, 'the reliability analysis');
    let last = 0;
    const extraction = await extractSufficientStats({
      modelPath: model.path,
      preprocessing: model.preprocessing,
      inputName: model.inputName,
      taps: chunk,
      images: layout.images,
      categories: layout.total,
      provider: request.provider ?? 'auto',
      ...(request.batch !== undefined ? { batchSize: request.batch } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(request.sessionFactory ? { sessionFactory: request.sessionFactory } : {}),
      onProgress: (done) => {
        if (done > last) meter.tick(done - last);
        last = done;
      },
    });
    checked.assertUnchanged();
    provider = extraction.provider;
    grouped.push(...extraction.layers);
  }
  const splitMeter = new ProgressMeter('split halves', splits, (p) => hooks.progress?.(p), 'splits');
  const rows = splitHalfReliability(grouped, layout, categories, recipe, { splits, seed, onSplit: () => splitMeter.tick(1) });
  const perImageGroups = layout.groups.every((gs, k) => gs.length === images.filter((i) => i.category === k).length);
  const seconds = (performance.now() - started) / 1000;
  const params = { splits, seed, groupsPerCategory: cap };
  const analysisManifest = {
    app: appInfo(),
    kind: 'reliability',
    createdAt: new Date().toISOString(),
    run: { id: run, project: project.path, recipe, stimulusHash: readRunManifest(project.db, run)?.stimuli.hash ?? null },
    model: { name: model.name, sha256: model.sha256 },
    settings: params,
    seeds: { groups: seed, splits: seed },
    execution: { requested: request.provider ?? 'auto', provider, passes: chunks.length, batch: request.batch ?? null },
    platform: platformInfo(),
  };
  return storeAnalysis(project.db, 'reliability', run, { params, manifest: analysisManifest, seconds }, (analysis) => ({
    analysis,
    run,
    splits,
    seed,
    groupsPerCategory: cap,
    perImageGroups,
    passes: chunks.length,
    rows,
    seconds,
  }));
}
