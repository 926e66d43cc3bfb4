// The ways a run starts, each carried through the one run lifecycle (run-lifecycle.ts): a new run
// (plan -> extraction with checkpoints -> analysis), a resume of an interrupted one (from its last
// checkpoint, or from its statistics when extraction had finished), a reanalysis with another recipe
// (no inference) and a run whose statistics were merged from shards computed elsewhere.
import { z } from 'zod';
import { EXECUTION_PROVIDERS, needsPerImage, recipeSchema, type ExecutionProviderChoice, type RecipeInput, type RecipeSettings, type StatsPrecision } from '../../contract/recipe.ts';
import type { RunManifest } from '../../contract/run-manifest.ts';
import type { RunStarted } from '../../contract/results-types.ts';
import { EngineError } from '../errors.ts';
import { checkBatchFits } from '../inference/batching.ts';
import { DEFAULT_PRECISION } from '../inference/extract.ts';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import type { LayerStats, TapRowSink } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { insertRunCategories, insertRunImages, insertRunLayers, readRunCategories, readRunImages, readRunLayers } from '../storage/run-inputs-store.ts';
import { getRun, insertRun, readRunManifest, setRunManifest, setRunProvider, setRunStatus } from '../storage/runs-store.ts';
import { countFinalStats, verifyLayerStats, writeLayerStats } from '../storage/statistics-store.ts';
import { analyseRun } from './analyse-step.ts';
import { extractRun, type ExtractOptions } from './extract-step.ts';
import { carryRun, type RunHooks } from './run-lifecycle.ts';
import { newRunManifest, reanalysisManifest } from './run-manifest.ts';
import { checkRunInputs, loadRunInputs, requireRunRecord, statsSource } from './run-inputs.ts';
import { checkPlanFiles, planRun, type RunPlan } from './run-plan.ts';

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
  /** Receives each image's tap outputs during extraction (the study's row spool). */
  rows?: TapRowSink | undefined;
}

/** Inserts a run of `plan` (frozen layers, categories, images and the manifest) and marks it running. */
function createRun(project: Project, plan: RunPlan, recipe: RecipeSettings, execution: RunManifest['execution'], extra: Pick<RunManifest, 'shards'> = {}): number {
  const db = project.db;
  return db.transaction(() => {
    const id = insertRun(db, { modelId: plan.model.id, recipe, parentRun: null, images: plan.images.length });
    insertRunLayers(db, id, plan.taps);
    insertRunCategories(db, id, plan.categories);
    insertRunImages(db, id, plan.images);
    setRunManifest(db, id, newRunManifest(id, plan, recipe, execution, extra));
    setRunStatus(db, id, 'running');
    return id;
  }).immediate();
}

function extractionDone(project: Project, runId: number): boolean {
  return countFinalStats(project.db, runId) === readRunLayers(project.db, runId).length;
}

/** Extraction (unless its final statistics are stored) and then the analysis of run `runId`. */
async function extractAndAnalyse(project: Project, runId: number, options: ExtractOptions, hooks: RunHooks) {
  const inputs = loadRunInputs(project, runId);
  const extraction = extractionDone(project, runId) ? null : await extractRun(project, inputs, options, hooks);
  const analysisStarted = performance.now();
  await analyseRun(project, runId, runId, inputs.run.recipe, hooks);
  return {
    extraction: { seconds: extraction?.seconds ?? null, imagesPerSecond: extraction?.imagesPerSecond ?? null },
    analysisSeconds: (performance.now() - analysisStarted) / 1000,
  };
}

/** Starts a run and carries it to the end. Returns when the run is finished (or throws). */
export async function runAnalysis(project: Project, request: RunRequest, hooks: RunHooks = {}): Promise<RunStarted> {
  const recipe = recipeSchema.parse(request.recipe ?? {});
  const options: ExtractOptions = {
    provider: request.provider ?? 'auto',
    batch: request.batch,
    precision: request.precision ?? DEFAULT_PRECISION,
    memoryBudgetMB: request.memoryBudgetMB,
    checkpointEvery: request.checkpointEvery,
    rows: request.rows,
  };
  const run = await carryRun(
    project,
    {
      purpose: 'a run',
      open: async () => {
        const plan = planRun(project, request.model, request.layers);
        // Refused before the run is recorded: a batch the budget cannot hold would only fail (or swap) later.
        if (request.batch !== undefined) {
          const [height, width] = plan.model.preprocessing.inputSize;
          checkBatchFits(plan.taps, height * width, request.batch, request.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB, options.precision, `model ${plan.model.name}`);
        }
        await checkPlanFiles(project, plan, hooks);
        // The precision and the budget are recorded before the first checkpoint: a resumed run continues
        // with the same arithmetic and the same merge groups.
        const execution = { requested: options.provider, provider: null, fallback: null, batch: request.batch ?? null, precision: options.precision, memoryBudgetMB: request.memoryBudgetMB ?? null };
        return createRun(project, plan, recipe, execution);
      },
      work: (runId) => extractAndAnalyse(project, runId, options, hooks),
    },
    hooks,
  );
  return { run, status: 'finished' };
}

/** Continues an interrupted, failed or cancelled run from its last checkpoint, with its recorded settings. */
export async function resumeRun(project: Project, runId: number, hooks: RunHooks = {}, options: { checkpointEvery?: number | undefined } = {}): Promise<RunStarted> {
  const run = await carryRun(
    project,
    {
      purpose: `resuming run #${runId}`,
      open: async () => {
        const record = requireRunRecord(project, runId);
        if (record.status === 'finished') throw new EngineError('conflict', `run #${runId} is already finished`, { file: project.path });
        // Refuse before touching the run when extraction would go on over other bytes than it began with.
        if (!extractionDone(project, runId)) await checkRunInputs(project, loadRunInputs(project, runId), `run #${runId}`, hooks);
        setRunStatus(project.db, runId, 'running');
        return runId;
      },
      work: () => {
        const execution = readRunManifest(project.db, runId)?.execution;
        const requested = execution?.requested;
        return extractAndAnalyse(
          project,
          runId,
          {
            provider: requested === undefined ? 'auto' : providerChoice(requested),
            batch: execution?.batch ?? undefined,
            precision: execution?.precision ?? DEFAULT_PRECISION,
            memoryBudgetMB: execution?.memoryBudgetMB ?? undefined,
            checkpointEvery: options.checkpointEvery,
          },
          hooks,
        );
      },
    },
    hooks,
  );
  return { run, status: 'finished' };
}

/** The provider a run asked for; a merged run's "N shards" (no local provider) resumes on 'auto'. */
function providerChoice(requested: string): ExecutionProviderChoice {
  const provider = z.enum(EXECUTION_PROVIDERS).safeParse(requested);
  return provider.success ? provider.data : 'auto';
}

/** A new run with another recipe from the stored sufficient statistics of `sourceRun`: no inference. */
export async function reanalyzeRun(project: Project, sourceRun: number, recipeInput: RecipeInput, hooks: RunHooks = {}): Promise<{ run: number }> {
  const source = requireRunRecord(project, sourceRun);
  const statsRun = statsSource(project, sourceRun);
  const recipe = recipeSchema.parse({ ...source.recipe, ...recipeInput });
  const db = project.db;
  const run = await carryRun(
    project,
    {
      purpose: `reanalysing run #${sourceRun}`,
      open: async () => {
        // A recipe that reads per-image responses reads the source run's files: refuse before creating
        // the run when they no longer hold the bytes its statistics came from.
        if (needsPerImage(recipe)) await checkRunInputs(project, loadRunInputs(project, sourceRun), `the reanalysis of run #${sourceRun}`, hooks);
        // Damaged statistics refuse before the new run is written (the checksums name the layer).
        verifyLayerStats(db, statsRun);
        return db.transaction(() => {
          const images = readRunImages(db, sourceRun);
          const id = insertRun(db, { modelId: source.modelId, recipe, parentRun: sourceRun, images: images.length });
          insertRunLayers(db, id, readRunLayers(db, sourceRun));
          insertRunCategories(db, id, readRunCategories(db, sourceRun));
          insertRunImages(db, id, images);
          const manifest = readRunManifest(db, sourceRun);
          if (manifest) setRunManifest(db, id, reanalysisManifest(manifest, id, statsRun, recipe));
          const provider = getRun(db, sourceRun)?.provider;
          if (provider) setRunProvider(db, id, provider, null);
          setRunStatus(db, id, 'running');
          return id;
        }).immediate();
      },
      work: async (runId) => {
        const started = performance.now();
        await analyseRun(project, runId, statsRun, recipe, hooks);
        return { analysisSeconds: (performance.now() - started) / 1000 };
      },
    },
    hooks,
  );
  return { run };
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
  const run = await carryRun(
    project,
    {
      purpose: 'storing a merged run',
      open: () => createRun(project, plan, recipe, input.execution, { shards: input.shards }),
      work: async (runId) => {
        project.db.transaction(() => {
          layers.forEach((stats, l) => writeLayerStats(project.db, runId, l, stats, 'final'));
          if (input.execution.provider) setRunProvider(project.db, runId, input.execution.provider, input.execution.fallback);
        }).immediate();
        const analysisStarted = performance.now();
        await analyseRun(project, runId, runId, recipe, hooks);
        return {
          extraction: { seconds: input.extractionSeconds, imagesPerSecond: input.extractionSeconds ? plan.images.length / input.extractionSeconds : null },
          analysisSeconds: (performance.now() - analysisStarted) / 1000,
        };
      },
    },
    hooks,
  );
  return { run, status: 'finished' };
}
