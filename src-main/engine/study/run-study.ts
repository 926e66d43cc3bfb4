// A study (docs/figures.md): one project x several models x one recipe. Each model is run unless a
// finished run with the same settings exists (same model bytes, every tap, the same stimulus set, the
// same effective recipe); a run the study started and that stopped is resumed from its checkpoint. Then
// each model's consistency (optional, a second pass over the images) and every pair's comparison, each
// stored as it is done, so a study killed anywhere continues where it was with `resumeStudy`. The study
// holds the project's write lock throughout (re-entrant for the runs it starts), so another process
// cannot start one of the same runs meanwhile and a study left 'running' by a dead process reads as
// interrupted.
import { effectiveSettings, recipeSchema, type ExecutionProviderChoice, type RecipeInput, type RecipeSettings } from '../../contract/recipe.ts';
import type { StudyInfo } from '../../contract/study-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import type { JobContext } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { resumeRun, runAnalysis } from '../runs/run-analysis.ts';
import { bootstrapSettings, layerSubset, runBootstrap, settingsKey } from '../runs/run-bootstrap.ts';
import { RowSpool } from '../runs/row-spool.ts';
import { resamplingRefusal } from '../stats/resample-selection.ts';
import { stimulusSetHash } from '../runs/run-manifest.ts';
import { planRun } from '../runs/run-plan.ts';
import { DEFAULT_PRECISION } from '../inference/extract.ts';
import { comparisonProblems } from '../runs/compare-checks.ts';
import { compareStoredRuns, runConsistency } from '../runs/run-statistics.ts';
import type { RunHooks } from '../runs/run-lifecycle.ts';
import type { CompareResult } from '../../contract/results-types.ts';
import { acquireWriteLock, holdsWriteLock, lockHolder } from '../storage/project-lock.ts';
import { getModelRow } from '../storage/models-store.ts';
import { listRuns, readRunManifest } from '../storage/runs-store.ts';
import { insertStudy, listStudies, readStudy, readStudyExecution, setStudyRun, setStudyStatus, writeStudyComparison, type StudyExecution } from '../storage/studies-store.ts';
import { StudyProgress, type StudyStep } from './study-progress.ts';

export interface StudyRequest {
  models: readonly string[];
  recipe?: RecipeInput | undefined;
  name?: string | undefined;
  consistency?: boolean | undefined;
  iterations?: number | undefined;
  units?: number | undefined;
  provider?: ExecutionProviderChoice | undefined;
  batch?: number | undefined;
  memoryBudgetMB?: number | undefined;
}

/** Whether a process (this one or another) is working on the project now. */
function projectIsLive(project: Project): boolean {
  return holdsWriteLock(project.path) || lockHolder(project.path) !== null;
}

export function getStudy(project: Project, id: number): StudyInfo {
  const study = readStudy(project.db, id, projectIsLive(project));
  if (!study) throw new EngineError('not_found', `${project.path}: no study #${id}`, { file: project.path });
  return study;
}

export function studies(project: Project): StudyInfo[] {
  return listStudies(project.db, projectIsLive(project));
}

const sameSettings = (a: RecipeSettings, b: RecipeSettings) => JSON.stringify(effectiveSettings(a)) === JSON.stringify(effectiveSettings(b));

/**
 * The newest finished run of `model` that a study with `recipe` can use as it is: the model file it ran
 * is the model's file now, it covered every tap and the stimulus set it saw is the project's now.
 */
export function findReusableRun(project: Project, model: string, recipe: RecipeSettings): number | undefined {
  const record = getModelRow(project.db, project.path, model);
  if (!record) return undefined;
  const taps = record.taps.map((t) => t.name);
  const stimuli = stimulusSetHash(planRun(project, model).manifestImages);
  const candidates = listRuns(project.db).filter((r) => r.model === model && r.status === 'finished' && sameSettings(r.recipe, recipe));
  for (const run of candidates.reverse()) {
    const manifest = readRunManifest(project.db, run.id);
    if (!manifest) continue;
    const ranTaps = manifest.model.taps.map((t) => t.name);
    const precision = manifest.execution.precision ?? DEFAULT_PRECISION;
    if (manifest.model.sha256 === record.sha256 && manifest.stimuli.hash === stimuli && precision === DEFAULT_PRECISION && ranTaps.length === taps.length && ranTaps.every((t, i) => t === taps[i])) return run.id;
  }
  return undefined;
}

export async function startStudy(project: Project, request: StudyRequest, job: JobContext): Promise<StudyInfo> {
  const recipe = recipeSchema.parse(request.recipe ?? {});
  const missing = request.models.filter((m) => !getModelRow(project.db, project.path, m));
  if (missing.length > 0) throw new EngineError('not_found', `${project.path}: no model named ${missing.map((m) => `'${m}'`).join(', ')}`, { file: project.path });
  // Checked before anything is stored: the stimulus set must allow a run at all.
  planRun(project, request.models[0]!);
  const lock = acquireWriteLock(project.path, 'a study');
  try {
    const id = insertStudy(project.db, {
      name: request.name ?? `${request.models.join(' vs ')} (${recipe.recipe})`,
      models: request.models,
      recipe,
      consistency: request.consistency ?? true,
      execution: { provider: request.provider, batch: request.batch, memoryBudgetMB: request.memoryBudgetMB, iterations: request.iterations, units: request.units },
    });
    return await executeStudy(project, id, job);
  } finally {
    lock.release();
  }
}

export async function resumeStudy(project: Project, id: number, job: JobContext): Promise<StudyInfo> {
  const lock = acquireWriteLock(project.path, `resuming study #${id}`);
  try {
    const study = getStudy(project, id);
    if (study.status === 'finished') throw new EngineError('conflict', `study #${id} is already finished`, { file: project.path });
    return await executeStudy(project, id, job);
  } finally {
    lock.release();
  }
}

/** What differs by nature between the models of a study: each model is fed its own preprocessing. */
const OWN_PREPROCESSING = 'the preprocessing differs';

/**
 * Compares two runs of a study (or two runs given for figures). They share the recipe, the stimuli and
 * the precision by construction; each model keeps its own preprocessing, which the comparison would
 * refuse, so that one difference is accepted and recorded among the result's warnings. Any other
 * difference is refused, naming it.
 */
export async function compareStudyRuns(project: Project, a: number, b: number, bootstrap: Pick<StudyExecution, 'iterations' | 'units'>, hooks: RunHooks = {}): Promise<CompareResult> {
  const problems = comparisonProblems(project, a, b);
  const refused = problems.filter((p) => !p.startsWith(OWN_PREPROCESSING));
  if (refused.length > 0) throw new EngineError('conflict', `${project.path}: runs #${a} and #${b} cannot be compared in a study: ${refused.join('; ')}`, { file: project.path });
  return compareStoredRuns(project, a, b, { force: problems.length > 0, iterations: bootstrap.iterations, units: bootstrap.units }, hooks);
}

/** Whether the study compares its runs with the image bootstrap (two models or more, a recipe that resamples). */
function bootstraps(study: StudyInfo): boolean {
  return study.runs.length > 1 && resamplingRefusal(study.recipe) === null;
}

/**
 * The steps still to do, each with a weight: a run counts most; then the image-bootstrap replicates of
 * each run the study extracts itself (from the rows kept during its extraction, so no second pass), a
 * consistency pass, and a comparison (which gathers the replicates of reused runs).
 */
function plannedSteps(study: StudyInfo): StudyStep[] {
  const runs = study.runs.map((r) => ({ label: `model ${r.model}`, weight: r.status === 'finished' ? 0 : 1 }));
  const replicates = study.runs.map((r) => ({ label: `bootstrap of ${r.model}`, weight: r.status === 'finished' || !bootstraps(study) ? 0 : 0.2 }));
  const consistency = study.consistency ? study.runs.map((r) => ({ label: `consistency of ${r.model}`, weight: 0.3 })) : [];
  const pairs = (study.runs.length * (study.runs.length - 1)) / 2;
  // A comparison's image bootstrap gathers per-image responses of each run's unit subset once (stored).
  const comparisons = Array.from({ length: pairs }, (_, k) => ({ label: `comparison ${k + 1} of ${pairs}`, weight: 0.3 }));
  return [...runs, ...replicates, ...consistency, ...comparisons];
}

/**
 * Runs the study's model `position` and, when the study compares its runs, stores the run's image-bootstrap
 * replicates from the responses its extraction kept (row-spool.ts) before the next model runs. A run
 * that extracted only in part (resumed) leaves its replicates to the comparison, which gathers them.
 */
async function runWithReplicates(
  project: Project,
  study: StudyInfo,
  execution: StudyExecution,
  position: number,
  hooks: { run: RunHooks; replicates: RunHooks; onCreated: (run: number) => void; onRunDone: () => void },
): Promise<number> {
  const model = study.runs[position]!.model;
  const settings = bootstrapSettings(study.recipe, execution);
  const taps = bootstraps(study) ? planRun(project, model).taps : [];
  const spool = taps.length > 0 ? RowSpool.open(settingsKey(settings), taps, taps.map((tap, l) => layerSubset(tap, l, settings))) : undefined;
  try {
    const { run } = await runAnalysis(
      project,
      { model, recipe: study.recipe, provider: execution.provider, batch: execution.batch, memoryBudgetMB: execution.memoryBudgetMB, rows: spool },
      { ...hooks.run, onCreated: hooks.onCreated },
    );
    hooks.onRunDone();
    if (spool) await runBootstrap(project, run, settings, hooks.replicates, spool);
    return run;
  } finally {
    spool?.remove();
  }
}

async function executeStudy(project: Project, id: number, job: JobContext): Promise<StudyInfo> {
  const initial = getStudy(project, id);
  const execution: StudyExecution = readStudyExecution(project.db, id) ?? {};
  const steps = plannedSteps(initial);
  const progress = new StudyProgress(steps, job.progress);
  setStudyStatus(project.db, id, 'running');
  try {
    const runIds: number[] = [];
    for (const [position, entry] of initial.runs.entries()) {
      throwIfAborted(job.signal, 'the study');
      const hooks = { signal: job.signal, progress: (p: Parameters<JobContext['progress']>[0]) => progress.within(position, p) };
      let run = entry.run;
      if (run !== null && entry.status !== 'finished') {
        await resumeRun(project, run, hooks);
        progress.complete(position);
      } else if (run === null) {
        const reusable = findReusableRun(project, entry.model, initial.recipe);
        if (reusable !== undefined) {
          run = reusable;
          setStudyRun(project.db, id, position, run, true);
          progress.complete(position);
        } else {
          run = await runWithReplicates(project, initial, execution, position, {
            run: hooks,
            replicates: { signal: job.signal, progress: (p) => progress.within(initial.runs.length + position, p) },
            onCreated: (created) => setStudyRun(project.db, id, position, created, false),
            onRunDone: () => progress.complete(position),
          });
        }
      } else progress.complete(position);
      runIds.push(run);
      progress.complete(initial.runs.length + position);
    }
    let step = 2 * initial.runs.length;
    if (initial.consistency) {
      for (const run of runIds) {
        throwIfAborted(job.signal, 'the study');
        const index = step++;
        // Stored as a run aggregate the first time: a resumed study reads it back.
        await runConsistency(project, run, undefined, { signal: job.signal, progress: (p) => progress.within(index, p) });
        progress.complete(index);
      }
    }
    const done = new Set(getStudy(project, id).comparisons.map(([a, b]) => `${a}:${b}`));
    for (let i = 0; i < runIds.length; i++) {
      for (let j = i + 1; j < runIds.length; j++) {
        throwIfAborted(job.signal, 'the study');
        const index = step++;
        const [a, b] = [runIds[i]!, runIds[j]!];
        if (!done.has(`${a}:${b}`)) {
          writeStudyComparison(project.db, id, await compareStudyRuns(project, a, b, execution, { signal: job.signal, progress: (p) => progress.within(index, p) }));
        }
        progress.complete(index);
      }
    }
    setStudyStatus(project.db, id, 'finished');
  } catch (error) {
    const cancelled = error instanceof EngineError && error.kind === 'cancelled';
    setStudyStatus(project.db, id, cancelled ? 'cancelled' : 'failed', cancelled ? null : (error as Error).message);
    throw error;
  }
  return getStudy(project, id);
}
