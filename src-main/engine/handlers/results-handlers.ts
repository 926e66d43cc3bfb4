// results.*: the layer x category table, pages of units and the chart aggregates of finished runs.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { EngineError } from '../errors.ts';
import { channelsResult, csiResult, resultsTable, spatialResult, unitsPage } from '../runs/results-queries.ts';
import { inspectUnit } from '../runs/unit-inspector.ts';

export function resultsHandlers(engine: Engine) {
  return {
    'results.table': async ({ path, run }) => resultsTable(engine.project(path), run),
    'results.units': async ({ path, ...query }) => unitsPage(engine.project(path), query),
    'results.csi': async ({ path, run, layer, category }) => csiResult(engine.project(path), run, category, layer),
    'results.channels': async ({ path, run, layer, category }) => channelsResult(engine.project(path), run, layer, category),
    'results.spatial': async ({ path, run, layer, category }) => spatialResult(engine.project(path), run, layer, category),
    'results.consistency': async () => {
      throw new EngineError('unsupported', 'representational consistency needs per-image responses, which this build cannot gather yet');
    },
    'results.compare': async () => {
      throw new EngineError('unsupported', 'model comparison is not available in this build yet');
    },
    'results.unit': async ({ path, run, layer, unit }) => inspectUnit(engine.project(path), run, layer, unit),
  } satisfies Partial<EngineHandlers>;
}
