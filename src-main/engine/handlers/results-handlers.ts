// results.*: the layer x category table, pages of units and the chart aggregates of finished runs.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { channelsResult, csiResult, resultsTable, spatialResult, unitsPage } from '../runs/results-queries.ts';
import { inspectUnit } from '../runs/unit-inspector.ts';
import { compareStoredRuns, runConsistency } from '../runs/run-statistics.ts';

export function resultsHandlers(engine: Engine) {
  return {
    'results.table': async ({ path, run }) => resultsTable(engine.reader(path), run),
    'results.units': async ({ path, ...query }) => unitsPage(engine.reader(path), query),
    'results.csi': async ({ path, run, layer, category }) => csiResult(engine.reader(path), run, category, layer),
    'results.channels': async ({ path, run, layer, category }) => channelsResult(engine.reader(path), run, layer, category),
    'results.spatial': async ({ path, run, layer, category }) => spatialResult(engine.reader(path), run, layer, category),
    'results.consistency': async ({ path, run, category }, ctx) => runConsistency(engine.project(path), run, category, ctx),
    'results.compare': async ({ path, runs, force, iterations, seed, units }, ctx) =>
      compareStoredRuns(engine.project(path), runs[0], runs[1], { force, iterations, seed, units }, ctx),
    'results.unit': async ({ path, run, layer, unit }, ctx) => inspectUnit(engine.project(path), run, layer, unit, ctx),
  } satisfies Partial<EngineHandlers>;
}
