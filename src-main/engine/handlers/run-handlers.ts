// run.*: start, resume and reanalyse runs (long jobs, cancellable, with progress) and list them.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { listRuns } from '../storage/runs-store.ts';
import { reanalyzeRun, resumeRun, runAnalysis } from '../runs/run-analysis.ts';

export function runHandlers(engine: Engine) {
  return {
    'run.start': async ({ path, model, recipe, layers, provider, batch, precision, memoryBudgetMB }, ctx) =>
      engine.jobs.run('run', `run ${model}`, (job) => runAnalysis(engine.project(path), { model, recipe, layers, provider, batch, precision, memoryBudgetMB }, job), ctx),
    'run.resume': async ({ path, run }, ctx) => engine.jobs.run('run', `resume run #${run}`, (job) => resumeRun(engine.project(path), run, job), ctx),
    'run.reanalyze': async ({ path, run, recipe }, ctx) =>
      engine.jobs.run('run', `reanalyse run #${run}`, (job) => reanalyzeRun(engine.project(path), run, recipe, job), ctx),
    'run.list': async ({ path }) => listRuns(engine.project(path).db),
  } satisfies Partial<EngineHandlers>;
}
