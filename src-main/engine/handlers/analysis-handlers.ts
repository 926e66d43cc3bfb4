// analysis.*: ablation and split-half reliability (long: progress, cancellable), replication
// between two runs, and the stored analyses.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { EngineError } from '../errors.ts';
import { ablateRun } from '../ablation/run-ablation.ts';
import { reliabilityForRun } from '../reliability/run-reliability.ts';
import { replicateRuns } from '../reliability/replicate.ts';
import { listAnalyses, readAnalysis } from '../storage/analyses-store.ts';

export function analysisHandlers(engine: Engine) {
  return {
    'analysis.ablate': async ({ path, evalPath, ...request }, ctx) => ablateRun(engine.project(path), { ...request, evalProject: evalPath ? engine.project(evalPath) : undefined }, ctx),
    'analysis.reliability': async ({ path, run, splits, seed, groups, provider, batch, memoryBudgetMB }, ctx) =>
      reliabilityForRun(engine.project(path), { run, splits, seed, groupsPerCategory: groups, provider, batch, memoryBudgetMB }, ctx),
    'analysis.replicate': async ({ path, run, pathB, runB, shuffles, seed }) =>
      replicateRuns(engine.project(path), { runA: run, projectB: engine.project(pathB), runB, shuffles, seed }),
    'analysis.list': async ({ path, run, kind }) => listAnalyses(engine.reader(path).db, { run, kind }),
    'analysis.get': async ({ path, id }) => {
      const found = readAnalysis(engine.reader(path).db, id);
      if (!found) throw new EngineError('not_found', `${path}: no analysis #${id}`, { file: path });
      return found;
    },
  } satisfies Partial<EngineHandlers>;
}
