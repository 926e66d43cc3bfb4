// run.*: start, resume and reanalyse runs (long: cancellable, with progress) and list them.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { reanalyzeRun, resumeRun, runAnalysis } from '../runs/run-analysis.ts';

export function runHandlers(engine: Engine) {
  return {
    'run.start': async ({ path, model, recipe, layers, provider, batch, precision, memoryBudgetMB }, ctx) =>
      runAnalysis(engine.project(path), { model, recipe, layers, provider, batch, precision, memoryBudgetMB }, ctx),
    'run.resume': async ({ path, run }, ctx) => resumeRun(engine.project(path), run, ctx),
    'run.reanalyze': async ({ path, run, recipe }, ctx) => reanalyzeRun(engine.project(path), run, recipe, ctx),
    'run.list': async ({ path }) => engine.reader(path).runs(),
  } satisfies Partial<EngineHandlers>;
}
