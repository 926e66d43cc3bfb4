// Run orchestration: create the run record -> extraction with checkpoints (each one transaction) ->
// final sufficient statistics -> analysis, one layer per transaction -> chart aggregates -> finished.
// A process killed anywhere leaves a valid file: the run shows 'interrupted' on the next open (it was
// 'running' without a live lock holder) and `resumeRun` continues from the last checkpoint, or from
// the stored statistics when extraction had finished. Resumed and uninterrupted runs give identical
// results: extraction replays the same batches from the same stored float64 state, and the analysis is
// recomputed from the same final statistics.
import { dirname, isAbsolute, join } from 'node:path';
import type { Progress } from '../../contract/protocol.ts';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import { recipeSchema, type ExecutionProviderChoice, type RecipeInput, type RecipeSettings, type StatsPrecision } from '../../contract/recipe.ts';
import type { RunStarted } from '../../contract/results-types.ts';
import { preprocessingSchema } from '../../contract/preprocessing.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { DEFAULT_PRECISION, extractSufficientStats } from '../inference/extract.ts';
import { runtimeInfo } from '../inference/session.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { CategoryDef, LayerAnalysis, LayerStats, StimulusRef, TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { analyzeLayers, analyzeRun } from '../stats/analyze.ts';
import { acquireWriteLock } from '../storage/project-lock.ts';
import { getRun } from '../storage/project-store.ts';
import {
  countFinalStats,
  deleteAnalysis,
  deleteCheckpoint,
  hasLayerAnalysis,
  insertRunCategories,
  insertRunImages,
  insertRunLayers,
  readCheckpoint,
  readLayerStats,
  readRunCategories,
  readRunImages,
  readRunLayers,
  writeAggregate,
  writeCheckpoint,
  writeLayerResult,
  writeLayerStats,
  writeUnitResults,
  type RunImage,
} from '../storage/results-store.ts';
import {
  finishRun,
  insertRun,
  readImagePaths,
  readModelById,
  readModelByName,
  readModelTaps,
  readRunManifest,
  readRunRecord,
  setRunManifest,
  setRunProvider,
  setRunStatus,
  type ModelRecord,
} from '../storage/runs-store.ts';
import { listStimuliForRun } from '../storage/stimuli-store.ts';
import { csiOrder, layerAggregates, metricsForJson } from './aggregates.ts';
import { runGatherer } from './stored-analysis.ts';
import { appInfo, platformInfo, stimulusSetHash, type ManifestImage, type RunManifest } from './run-manifest.ts';

export interface RunRequest {
  model: string;
  recipe?: RecipeInput | undefined;
  /** Tap names; all of the model's taps when omitted. */
  layers?: readonly string[] | undefined;
  provider?: ExecutionProviderChoice | undefined;
  batch?: number | undefined;
  /** How extraction reduces the taps; float64 (exact) by default. */
  precision?: StatsPrecision | undefined;
  /** MiB for extraction's batches and merge groups and ranksum-maxp's gathers; the engine's default when omitted. */
  memoryBudgetMB?: number | undefined;
  /** Images between checkpoints; by default about every 5 % of the images (at least one batch). */
  checkpointEvery?: number | undefined;
}

export interface RunHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
  /** Called once the run record exists (the CLI prints the id early so a crash still names it). */
  onCreated?: ((run: number) => void) | undefined;
}

function modelFile(project: Project, model: ModelRecord): string {
  return isAbsolute(model.path) ? model.path : join(dirname(project.path), model.path);
}

function chooseTaps(project: Project, model: ModelRecord, layers: readonly string[] | undefined): TapShape[] {
  const taps = readModelTaps(project.db, model.id);
  if (taps.length === 0) throw new EngineError('validation', `model '${model.name}' has no taps; choose the layers to analyse first`, { file: project.path });
  if (!layers) return taps;
  const unknown = layers.filter((name) => !taps.some((t) => t.name === name));
  if (unknown.length > 0) {
    throw new EngineError('validation', `model '${model.name}' has no layer ${unknown.map((n) => `'${n}'`).join(', ')} (layers: ${taps.map((t) => t.name).join(', ')})`);
  }
  return taps.filter((t) => layers.includes(t.name));
}

/** What a run of one model over the project's current stimuli consists of: shared by local and sharded runs. */
export interface RunPlan {
  model: ModelRecord;
  taps: TapShape[];
  /** Categories with images, in run order (index = category number of `images`). */
  categories: (CategoryDef & { images: number })[];
  /** In extraction order (category, then image id). */
  images: RunImage[];
  manifestImages: ManifestImage[];
}

/** Resolves the model, its taps and the project's stimuli into a run plan (validated: targets, images per category). */
export function planRun(project: Project, modelName: string, layers?: readonly string[]): RunPlan {
  const model = readModelByName(project.db, modelName);
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
  const shas = readImagePaths(project.db, images.map((i) => i.id));
  const runImages = images
    .filter((i) => renumber.has(i.category))
    .map((i) => ({ imageId: i.id, category: renumber.get(i.category)!, sha256: shas.get(i.id)?.sha256 ?? '' }));
  const categories = kept.map(({ name, role, controlsFor, images: n }) => ({ name, role, controlsFor, images: n }));
  const manifestImages: ManifestImage[] = runImages.map((i) => ({ id: i.imageId, path: shas.get(i.imageId)?.path ?? '', sha256: i.sha256, category: categories[i.category]!.name }));
  return { model, taps, categories, images: runImages, manifestImages };
}

/** Inserts a run of `plan` (frozen layers, categories, images and the manifest) and marks it running. */
export function createRun(project: Project, plan: RunPlan, recipe: RecipeSettings, execution: RunManifest['execution'], extra: Pick<RunManifest, 'shards'> = {}): number {
  const { model, taps, categories, images: runImages, manifestImages } = plan;
  const createdAt = new Date().toISOString();
  return project.db.transaction(() => {
    const id = insertRun(project.db, { modelId: model.id, recipe, parentRun: null, images: runImages.length });
    insertRunLayers(project.db, id, taps);
    insertRunCategories(project.db, id, categories);
    insertRunImages(project.db, id, runImages);
    const manifest: RunManifest = {
      app: appInfo(),
      run: { id, parentRun: null, createdAt },
      model: { name: model.name, sha256: model.sha256, bytes: model.bytes, source: model.source, preprocessing: JSON.parse(model.preprocessing) as unknown, inputName: model.inputName, taps },
      stimuli: { hash: stimulusSetHash(manifestImages), count: manifestImages.length, categories, images: manifestImages },
      recipe,
      seeds: { recipe: recipe.seed },
      execution,
      timings: { extractionSeconds: null, analysisSeconds: null, totalSeconds: null, imagesPerSecond: null, finishedAt: null },
      platform: platformInfo(),
      ...extra,
    };
    setRunManifest(project.db, id, manifest);
    setRunStatus(project.db, id, 'running');
    return id;
  }).immediate();
}

/** Starts a run and carries it to the end. Returns when the run is finished (or throws). */
export async function runAnalysis(project: Project, request: RunRequest, hooks: RunHooks = {}): Promise<RunStarted> {
  const recipe = recipeSchema.parse(request.recipe ?? {});
  const lock = acquireWriteLock(project.path, 'a run');
  try {
    const plan = planRun(project, request.model, request.layers);
    const precision = request.precision ?? DEFAULT_PRECISION;
    // The precision is recorded before the first checkpoint: a resumed run must continue in the same one.
    const memoryBudgetMB = request.memoryBudgetMB ?? null;
    const runId = createRun(project, plan, recipe, { requested: request.provider ?? 'auto', provider: null, fallback: null, batch: request.batch ?? null, precision, memoryBudgetMB });
    hooks.onCreated?.(runId);
    await execute(project, runId, { provider: request.provider ?? 'auto', batch: request.batch, precision, memoryBudgetMB: request.memoryBudgetMB, checkpointEvery: request.checkpointEvery }, hooks);
    return { run: runId, status: 'finished' };
  } finally {
    lock.release();
  }
}

/** Continues an interrupted, failed or cancelled run from its last checkpoint. */
export async function resumeRun(project: Project, runId: number, hooks: RunHooks = {}, options: { checkpointEvery?: number | undefined } = {}): Promise<RunStarted> {
  const lock = acquireWriteLock(project.path, `resuming run #${runId}`);
  try {
    const record = readRunRecord(project.db, runId);
    if (!record) throw new EngineError('not_found', `${project.path}: no run #${runId}`, { file: project.path });
    if (record.status === 'finished') throw new EngineError('conflict', `run #${runId} is already finished`, { file: project.path });
    setRunStatus(project.db, runId, 'running');
    const manifest = readRunManifest(project.db, runId) as RunManifest | null;
    hooks.onCreated?.(runId);
    await execute(
      project,
      runId,
      {
        provider: (manifest?.execution.requested as ExecutionProviderChoice | undefined) ?? 'auto',
        batch: manifest?.execution.batch ?? undefined,
        precision: manifest?.execution.precision ?? DEFAULT_PRECISION,
        // The budget sized the merge groups: resuming with the same one replays the same groups.
        memoryBudgetMB: manifest?.execution.memoryBudgetMB ?? undefined,
        checkpointEvery: options.checkpointEvery,
      },
      hooks,
    );
    return { run: runId, status: 'finished' };
  } finally {
    lock.release();
  }
}

/** A new run with another recipe from the stored sufficient statistics of `sourceRun`: no inference. */
export async function reanalyzeRun(project: Project, sourceRun: number, recipeInput: RecipeInput, hooks: RunHooks = {}): Promise<{ run: number }> {
  const lock = acquireWriteLock(project.path, `reanalysing run #${sourceRun}`);
  try {
    const source = readRunRecord(project.db, sourceRun);
    if (!source) throw new EngineError('not_found', `${project.path}: no run #${sourceRun}`, { file: project.path });
    const statsRun = statsSource(project, sourceRun);
    const base = recipeSchema.parse(JSON.parse(source.recipe) as unknown);
    const recipe = recipeSchema.parse({ ...base, ...recipeInput });
    const runId = project.db.transaction(() => {
      const taps = readRunLayers(project.db, sourceRun);
      const categories = readRunCategories(project.db, sourceRun);
      const images = readRunImages(project.db, sourceRun);
      const id = insertRun(project.db, { modelId: source.modelId, recipe, parentRun: sourceRun, images: images.length });
      insertRunLayers(project.db, id, taps);
      insertRunCategories(project.db, id, categories);
      insertRunImages(project.db, id, images);
      const manifest = readRunManifest(project.db, sourceRun) as RunManifest | null;
      if (manifest) {
        setRunManifest(project.db, id, {
          ...manifest,
          app: appInfo(),
          run: { id, parentRun: sourceRun, createdAt: new Date().toISOString(), statisticsFrom: statsRun },
          recipe,
          seeds: { recipe: recipe.seed },
          timings: { ...manifest.timings, analysisSeconds: null, totalSeconds: null, finishedAt: null },
          platform: platformInfo(),
        });
      }
      const provider = getRun(project.db, sourceRun)?.provider;
      if (provider) setRunProvider(project.db, id, provider, null);
      setRunStatus(project.db, id, 'running');
      return id;
    }).immediate();
    hooks.onCreated?.(runId);
    const started = performance.now();
    try {
      await analyse(project, runId, statsRun, recipe, hooks);
      finalize(project, runId, (performance.now() - started) / 1000, null);
    } catch (error) {
      recordFailure(project, runId, error);
      throw explainDiskError(project, runId, error);
    }
    return { run: runId };
  } finally {
    lock.release();
  }
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

interface ExecuteOptions {
  provider: ExecutionProviderChoice;
  batch: number | undefined;
  precision: StatsPrecision;
  memoryBudgetMB: number | undefined;
  checkpointEvery: number | undefined;
}

/** SQLite and the OS report a full disk in their own words: say which file and what to do. */
export function explainDiskError(project: Project, runId: number, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new EngineError('io', `${project.path}: the disk is full while writing run #${runId}; the project is unchanged since the last checkpoint. Free some space and continue with: run --resume ${runId}`, {
      file: project.path,
      cause: error,
    });
  }
  return error;
}

function recordFailure(project: Project, runId: number, error: unknown): void {
  const cancelled = error instanceof EngineError && error.kind === 'cancelled';
  try {
    setRunStatus(project.db, runId, cancelled ? 'cancelled' : 'failed', cancelled ? null : (error as Error).message);
  } catch {
    // The disk may be what failed: the run then stays 'running' and the next open shows it interrupted.
  }
}

async function execute(project: Project, runId: number, options: ExecuteOptions, hooks: RunHooks): Promise<void> {
  const started = performance.now();
  const recipe = recipeSchema.parse(JSON.parse(readRunRecord(project.db, runId)!.recipe) as unknown);
  try {
    let extraction: { seconds: number; imagesPerSecond: number } | null = null;
    if (countFinalStats(project.db, runId) !== readRunLayers(project.db, runId).length) {
      extraction = await extract(project, runId, options, hooks);
    }
    const analysisStarted = performance.now();
    await analyse(project, runId, runId, recipe, hooks);
    finalize(project, runId, (performance.now() - started) / 1000, {
      extractionSeconds: extraction?.seconds ?? null,
      imagesPerSecond: extraction?.imagesPerSecond ?? null,
      analysisSeconds: (performance.now() - analysisStarted) / 1000,
    });
  } catch (error) {
    recordFailure(project, runId, error);
    throw explainDiskError(project, runId, error);
  }
}

async function extract(project: Project, runId: number, options: ExecuteOptions, hooks: RunHooks): Promise<{ seconds: number; imagesPerSecond: number }> {
  const db = project.db;
  const record = readRunRecord(db, runId)!;
  const model = readModelById(db, record.modelId);
  if (!model) throw new EngineError('not_found', `run #${runId}: its model no longer exists in the project`, { file: project.path });
  const taps = readRunLayers(db, runId);
  const categories = readRunCategories(db, runId);
  const runImages = readRunImages(db, runId);
  const files = readImagePaths(db, runImages.map((i) => i.imageId));
  const base = dirname(project.path);
  const images: StimulusRef[] = runImages.map((i) => {
    const file = files.get(i.imageId);
    if (!file || file.status === 'missing') throw new EngineError('not_found', `run #${runId}: image ${i.imageId} is missing from the project`, { file: project.path });
    if (file.sha256 !== i.sha256) throw new EngineError('conflict', `run #${runId}: ${file.path} changed since the run started (sha256 differs); start a new run`, { file: file.path });
    return { id: i.imageId, path: isAbsolute(file.path) ? file.path : join(base, file.path), category: i.category };
  });
  const checkpoint = readCheckpoint(db, runId);
  let resume: { doneImageIds: number[]; layers: LayerStats[] } | undefined;
  if (checkpoint && checkpoint.imagesDone > 0) {
    const layers = taps.map((tap, l) => {
      const stored = readLayerStats(db, runId, l);
      if (!stored) throw new EngineError('internal', `run #${runId}: checkpoint without statistics for layer ${tap.name}`, { file: project.path });
      return { tap, count: stored.count, mean: stored.mean, m2: stored.m2 };
    });
    const ids = checkpoint.state ? Array.from(new Int32Array(checkpoint.state.buffer, checkpoint.state.byteOffset, checkpoint.state.byteLength / 4)) : [];
    resume = { doneImageIds: ids, layers };
  }
  const meter = new ProgressMeter('extraction', images.length, (p) => hooks.progress?.(p), 'images');
  if (resume) meter.resumeAt(resume.doneImageIds.length);
  let last = resume?.doneImageIds.length ?? 0;
  const every = options.checkpointEvery ?? Math.max(options.batch ?? 8, Math.ceil(images.length / 20));
  const result = await extractSufficientStats({
    modelPath: modelFile(project, model),
    preprocessing: preprocessingSchema.parse(JSON.parse(model.preprocessing) as unknown),
    inputName: model.inputName,
    taps,
    images,
    categories: categories.length,
    provider: options.provider,
    precision: options.precision,
    ...(options.batch !== undefined ? { batchSize: options.batch } : {}),
    ...(options.memoryBudgetMB !== undefined ? { memoryBudgetMB: options.memoryBudgetMB } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(resume ? { resume } : {}),
    checkpointEvery: every,
    onProgress: (done) => {
      if (done > last) meter.tick(done - last);
      last = done;
    },
    onCheckpoint: (state) => {
      // One transaction: statistics and the list of images they cover always agree.
      db.transaction(() => {
        state.layers.forEach((stats, l) => writeLayerStats(db, runId, l, stats, 'partial'));
        writeCheckpoint(db, runId, state.doneImageIds.length, new Uint8Array(Int32Array.from(state.doneImageIds).buffer));
      }).immediate();
    },
  });
  throwIfAborted(hooks.signal, 'the run');
  db.transaction(() => {
    result.layers.forEach((stats, l) => writeLayerStats(db, runId, l, stats, 'final'));
    deleteCheckpoint(db, runId);
    setRunProvider(db, runId, result.provider, result.providerFallback);
    const manifest = readRunManifest(db, runId) as RunManifest | null;
    if (manifest) {
      const runtime = runtimeInfo();
      setRunManifest(db, runId, {
        ...manifest,
        execution: { ...manifest.execution, provider: result.provider, fallback: result.providerFallback, precision: result.precision, effectiveBatch: result.batchSize, groupSize: result.groupSize, onnxruntime: runtime.onnxruntime, intraOpThreads: runtime.intraOpThreads },
      });
    }
  }).immediate();
  return { seconds: result.seconds, imagesPerSecond: result.imagesPerSecond };
}

function loadStats(project: Project, statsRun: number, position: number, tap: TapShape): LayerStats {
  const stored = readLayerStats(project.db, statsRun, position);
  if (!stored || stored.state !== 'final') throw new EngineError('internal', `run #${statsRun}: no final statistics for layer ${tap.name}`, { file: project.path });
  return { tap, count: stored.count, mean: stored.mean, m2: stored.m2 };
}

function storeLayer(project: Project, runId: number, position: number, analysis: LayerAnalysis): void {
  const db = project.db;
  const units = analysis.tap.channels * analysis.tap.height * analysis.tap.width;
  db.transaction(() => {
    for (const r of analysis.units) {
      writeUnitResults(db, runId, position, r, csiOrder(Float32Array.from(r.csi)));
      let selective = 0;
      for (const s of r.selective) selective += s;
      writeLayerResult(db, runId, { position, category: r.category, units, selective, metrics: metricsForJson(analysis.metrics[r.category]) });
      const agg = layerAggregates(analysis, r);
      writeAggregate(db, runId, 'csi', position, r.category, agg.csi);
      writeAggregate(db, runId, 'channels', position, r.category, agg.channels);
      writeAggregate(db, runId, 'density', position, r.category, agg.density);
    }
    writeAggregate(db, runId, 'overlap', position, '', analysis.overlap);
  }).immediate();
}

async function analyse(project: Project, runId: number, statsRun: number, recipe: RecipeSettings, hooks: RunHooks): Promise<void> {
  const taps = readRunLayers(project.db, runId);
  const categories: CategoryDef[] = readRunCategories(project.db, runId).map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  const meter = new ProgressMeter('analysis', taps.length, (p) => hooks.progress?.(p), 'layers');
  if (recipe.recipe === 'ranksum-maxp' || (recipe.recipe === 'top-k' && recipe.topkScope === 'global')) {
    // The global top k % needs every layer's strengths together, and ranksum-maxp per-image responses
    // (gathered in-graph in unit slices): all layers are recomputed together.
    deleteAnalysis(project.db, runId);
    const all = taps.map((tap, l) => loadStats(project, statsRun, l, tap));
    // The run's memory budget (recorded at its start; reanalyses keep their source's) bounds the gathers;
    // a quarter of it holds one slice of per-image responses (256 MiB of the default 1024).
    const budgetMB = (readRunManifest(project.db, runId) as RunManifest | null)?.execution.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
    const gatherer = recipe.recipe === 'ranksum-maxp' ? await runGatherer(project, runId, 'auto', budgetMB) : undefined;
    let analyses: LayerAnalysis[];
    try {
      analyses = await analyzeRun(all, categories, recipe, gatherer, { budgetBytes: (budgetMB * 1024 * 1024) / 4, onLayer: (done, total) => hooks.progress?.({ phase: 'analysis', done, total, unit: 'layers' }) });
    } finally {
      await gatherer?.close();
    }
    analyses.forEach((a, l) => {
      throwIfAborted(hooks.signal, 'the analysis');
      storeLayer(project, runId, l, a);
    });
    return;
  }
  // A resumed run keeps the layers an earlier process stored (each is one transaction, so complete).
  const jobs = taps.map((tap, position) => ({ position, tap })).filter(({ position, tap }) => {
    if (!hasLayerAnalysis(project.db, runId, position)) return true;
    meter.tick(1, tap.name);
    return false;
  });
  await analyzeLayers(
    jobs,
    ({ position, tap }) => loadStats(project, statsRun, position, tap),
    categories,
    recipe,
    ({ position, tap }, analysis) => {
      storeLayer(project, runId, position, analysis);
      meter.tick(1, tap.name);
    },
    hooks.signal ? { signal: hooks.signal } : {},
  );
}

function finalize(project: Project, runId: number, seconds: number, timings: { extractionSeconds: number | null; imagesPerSecond: number | null; analysisSeconds: number } | null): void {
  const db = project.db;
  db.transaction(() => {
    const manifest = readRunManifest(db, runId) as RunManifest | null;
    if (manifest) {
      const finishedAt = new Date().toISOString();
      setRunManifest(db, runId, {
        ...manifest,
        timings: {
          extractionSeconds: timings ? timings.extractionSeconds : manifest.timings.extractionSeconds,
          imagesPerSecond: timings ? timings.imagesPerSecond : manifest.timings.imagesPerSecond,
          analysisSeconds: timings ? timings.analysisSeconds : seconds,
          totalSeconds: seconds,
          finishedAt,
        },
      });
    }
    finishRun(db, runId, seconds);
  }).immediate();
}

/**
 * Stores a run whose final sufficient statistics were computed elsewhere (merged shards of a cluster
 * run): the same run records, analysis and manifest as a local run, with no inference here.
 */
export async function runFromStatistics(
  project: Project,
  input: { plan: RunPlan; recipe: RecipeSettings; layers: readonly LayerStats[]; execution: RunManifest['execution']; shards: NonNullable<RunManifest['shards']>; extractionSeconds: number | null },
  hooks: RunHooks = {},
): Promise<RunStarted> {
  const { plan, recipe, layers } = input;
  if (layers.length !== plan.taps.length) throw new EngineError('internal', `statistics for ${layers.length} layers, the run has ${plan.taps.length}`);
  const lock = acquireWriteLock(project.path, 'storing a merged run');
  try {
    const started = performance.now();
    const runId = createRun(project, plan, recipe, input.execution, { shards: input.shards });
    hooks.onCreated?.(runId);
    try {
      project.db.transaction(() => {
        layers.forEach((stats, l) => writeLayerStats(project.db, runId, l, stats, 'final'));
        if (input.execution.provider) setRunProvider(project.db, runId, input.execution.provider, input.execution.fallback);
      }).immediate();
      const analysisStarted = performance.now();
      await analyse(project, runId, runId, recipe, hooks);
      const images = plan.images.length;
      finalize(project, runId, (performance.now() - started) / 1000, {
        extractionSeconds: input.extractionSeconds,
        imagesPerSecond: input.extractionSeconds ? images / input.extractionSeconds : null,
        analysisSeconds: (performance.now() - analysisStarted) / 1000,
      });
    } catch (error) {
      recordFailure(project, runId, error);
      throw error;
    }
    return { run: runId, status: 'finished' };
  } finally {
    lock.release();
  }
}
