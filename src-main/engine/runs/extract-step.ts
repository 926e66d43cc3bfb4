// The extraction step of a run: the model over the run's images, reduced to per-category sufficient
// statistics, with checkpoints as often as their cost allows (checkpoint-policy.ts: at most 5 % of the
// loop's time, at least 5 % of the images apart). A checkpoint is one transaction (the
// partial statistics and the list of images they cover), so a process killed anywhere resumes from the
// last one and replays the same batches from the same stored float64 state: resumed and uninterrupted
// runs give identical statistics.
import type { ExecutionProviderChoice, StatsPrecision } from '../../contract/recipe.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { extractSufficientStats } from '../inference/extract.ts';
import { runtimeInfo } from '../inference/session.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { tapUnits, type LayerStats, type TapRowSink } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { setRunProvider } from '../storage/runs-store.ts';
import { deleteCheckpoint, readCheckpoint, readLayerStats, writeCheckpoint, writeLayerStats } from '../storage/statistics-store.ts';
import type { RunHooks } from './run-lifecycle.ts';
import { updateRunManifest, withExtraction } from './run-manifest.ts';
import { checkRunInputs, type RunInputs } from './run-inputs.ts';
import { CheckpointPolicy } from './checkpoint-policy.ts';

export interface ExtractOptions {
  provider: ExecutionProviderChoice;
  batch: number | undefined;
  precision: StatsPrecision;
  /** MiB for extraction's batches and merge groups; the engine's default when undefined. */
  memoryBudgetMB: number | undefined;
  /** Images between checkpoints, exactly (tests); by default checkpoint-policy.ts decides by their cost. */
  checkpointEvery: number | undefined;
  /** Receives each image's tap outputs (a study keeps its bootstrap subsets: row-spool.ts). */
  rows?: TapRowSink | undefined;
}

/** Where an interrupted extraction stands: the images done and their partial statistics. */
function resumeState(project: Project, inputs: RunInputs): { doneImageIds: number[]; layers: LayerStats[] } | undefined {
  const runId = inputs.run.id;
  const checkpoint = readCheckpoint(project.db, runId);
  if (!checkpoint || checkpoint.doneImageIds.length === 0) return undefined;
  const layers = inputs.taps.map((tap, l) => {
    const stored = readLayerStats(project.db, runId, l);
    if (!stored) throw new EngineError('internal', `run #${runId}: checkpoint without statistics for layer ${tap.name}`, { file: project.path });
    return { tap, count: stored.count, mean: stored.mean, m2: stored.m2 };
  });
  return { doneImageIds: checkpoint.doneImageIds, layers };
}

/** Extracts (or finishes extracting) the final statistics of a run; returns the extraction's timings. */
export async function extractRun(project: Project, inputs: RunInputs, options: ExtractOptions, hooks: RunHooks): Promise<{ seconds: number; imagesPerSecond: number }> {
  const db = project.db;
  const runId = inputs.run.id;
  const { model, taps, images } = inputs;
  // The bytes read must be the ones the run recorded, checked before, at each checkpoint and at the end.
  const checked = await checkRunInputs(project, inputs, `run #${runId}`, hooks);
  const resume = resumeState(project, inputs);
  const meter = new ProgressMeter('extraction', images.length, (p) => hooks.progress?.(p), 'images');
  if (resume) meter.resumeAt(resume.doneImageIds.length);
  let last = resume?.doneImageIds.length ?? 0;
  // Every group boundary is a candidate; the policy writes one when it is worth its cost (or, when the
  // caller fixed the images between checkpoints, by that count alone).
  const policy = new CheckpointPolicy({
    minImages: options.checkpointEvery ?? Math.max(options.batch ?? 8, Math.ceil(images.length / 20)),
    bytes: taps.reduce((sum, tap) => sum + 8 * inputs.categories.length * (1 + 2 * tapUnits(tap)), 0),
    ...(options.checkpointEvery !== undefined ? { maxShare: null } : {}),
  });
  let candidate = last;
  const result = await extractSufficientStats({
    modelPath: model.path,
    preprocessing: model.preprocessing,
    inputName: model.inputName,
    taps,
    images,
    categories: inputs.categories.length,
    provider: options.provider,
    precision: options.precision,
    ...(options.batch !== undefined ? { batchSize: options.batch } : {}),
    ...(options.memoryBudgetMB !== undefined ? { memoryBudgetMB: options.memoryBudgetMB } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(resume ? { resume } : {}),
    ...(options.rows ? { rows: options.rows } : {}),
    checkpointEvery: 1,
    onProgress: (done) => {
      if (done > last) meter.tick(done - last);
      last = done;
    },
    onCheckpoint: async (state) => {
      const merged = state.doneImageIds.length - candidate;
      candidate = state.doneImageIds.length;
      if (!policy.merged(merged)) return;
      await policy.write(() => {
        checked.assertUnchanged();
        // One transaction: statistics and the list of images they cover always agree.
        db.transaction(() => {
          state.layers.forEach((stats, l) => writeLayerStats(db, runId, l, stats, 'partial'));
          writeCheckpoint(db, runId, state.doneImageIds);
        }).immediate();
      });
    },
  });
  throwIfAborted(hooks.signal, 'the run');
  checked.assertUnchanged();
  db.transaction(() => {
    result.layers.forEach((stats, l) => writeLayerStats(db, runId, l, stats, 'final'));
    deleteCheckpoint(db, runId);
    setRunProvider(db, runId, result.provider, result.providerFallback);
    const runtime = runtimeInfo();
    updateRunManifest(project, runId, (m) =>
      withExtraction(m, {
        provider: result.provider,
        fallback: result.providerFallback,
        precision: result.precision,
        providers: result.providerAttempts,
        effectiveBatch: result.batchSize,
        groupSize: result.groupSize,
        onnxruntime: runtime.onnxruntime,
        intraOpThreads: runtime.intraOpThreads,
      }),
    );
  }).immediate();
  return { seconds: result.seconds, imagesPerSecond: result.imagesPerSecond };
}
