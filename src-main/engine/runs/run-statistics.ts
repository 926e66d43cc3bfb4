// Run-level statistics over stored runs: model comparison (two runs, layer by layer) and representational
// consistency across the layers of one run. Consistency needs per-image responses of the selective
// units, gathered in-graph once; the result is stored as an aggregate so the chart reads it afterwards.
import type { CompareResult, CompareTest, ConsistencyResult } from '../../contract/results-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import type { Project } from '../project.ts';
import { compareRuns, consistencyMatrix, type ConsistencyMatrix } from '../stats/index.ts';
import { readAggregate, writeAggregate } from '../storage/layer-results-store.ts';
import { readRunLayers } from '../storage/run-inputs-store.ts';
import { requireRun } from './results-queries.ts';
import { runGatherer, storedLayerAnalyses } from './stored-analysis.ts';
import type { RunHooks } from './run-lifecycle.ts';

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

function requireFinishedRun(project: Project, runId: number) {
  const run = requireRun(project, runId);
  if (run.status !== 'finished') throw new EngineError('conflict', `run #${runId} is ${run.status}; only finished runs can be compared or summarised`, { file: project.path });
  return run;
}

export function compareStoredRuns(project: Project, a: number, b: number, hooks: RunHooks = {}): CompareResult {
  const runA = requireFinishedRun(project, a);
  const runB = requireFinishedRun(project, b);
  const namesA = readRunLayers(project.db, a).map((l) => l.name);
  const namesB = readRunLayers(project.db, b).map((l) => l.name);
  // Same layer names (same architecture): align by name; otherwise by relative depth.
  const alignment = namesA.length === namesB.length && namesA.every((n, i) => n === namesB[i]) ? 'name' : 'depth';
  hooks.progress?.({ phase: 'loading', done: 0, total: 2, unit: 'runs' });
  const la = storedLayerAnalyses(project, a);
  throwIfAborted(hooks.signal, 'the comparison');
  const lb = storedLayerAnalyses(project, b);
  hooks.progress?.({ phase: 'comparing', done: 2, total: 2, unit: 'runs' });
  const alpha = runA.recipe.alpha;
  const rows = compareRuns(la, lb, { alignment, seed: runA.recipe.seed });
  const tests: CompareTest[] = rows.flatMap((r) => {
    const base = { layerA: r.layerA, layerB: r.layerB, category: r.category };
    const test = (metric: string, name: string, valueA: number, valueB: number, statistic: number, p: number, q: number): CompareTest => ({
      ...base,
      metric,
      test: name,
      valueA: num(valueA),
      valueB: num(valueB),
      statistic: num(statistic),
      p: num(p),
      q: num(q),
      significant: Number.isFinite(q) && q < alpha,
    });
    return [
      test('proportion', 'two-proportion z', r.proportionA, r.proportionB, r.proportionZ, r.proportionP, r.proportionQ),
      test('csi_median', 'Mann-Whitney U', r.csiMedianA, r.csiMedianB, NaN, r.csiP, r.csiQ),
      test('channel_entropy', 'bootstrap (difference B - A)', NaN, NaN, r.channelEntropyDiff, r.channelEntropyP, r.channelEntropyQ),
      test('channel_gini', 'bootstrap (difference B - A)', NaN, NaN, r.channelGiniDiff, r.channelGiniP, r.channelGiniQ),
    ];
  });
  return { runs: [a, b], models: [runA.model, runB.model], alignment, alpha, tests };
}

function toMatrix(m: ConsistencyMatrix, layers: number): (number | null)[][] {
  return Array.from({ length: layers }, (_, i) => Array.from({ length: layers }, (_, j) => num(m.matrix[i * layers + j]!)));
}

export async function runConsistency(project: Project, runId: number, category: string | undefined, hooks: RunHooks = {}): Promise<ConsistencyResult> {
  const run = requireFinishedRun(project, runId);
  let result = readAggregate(project.db, runId, 'consistency', -1, '');
  if (!result) {
    const analyses = storedLayerAnalyses(project, runId);
    const gatherer = await runGatherer(project, runId, hooks);
    try {
      hooks.progress?.({ phase: 'consistency', done: 0, total: analyses.length, unit: 'layers' });
      const c = await consistencyMatrix(analyses, gatherer, { seed: run.recipe.seed, ...(hooks.signal ? { signal: hooks.signal } : {}) });
      const layers = c.layers.length;
      result = {
        run: runId,
        layers: c.layers,
        categories: c.categories.map((x) => x.category),
        matrices: Object.fromEntries(c.categories.map((x) => [x.category, toMatrix(x, layers)])),
        baseline: toMatrix(c.baseline, layers),
        summary: {
          ...Object.fromEntries(c.categories.map((x) => [x.category, { mean: num(x.mean), adjacent: num(x.adjacent) }])),
          baseline: { mean: num(c.baseline.mean), adjacent: num(c.baseline.adjacent) },
        },
      };
    } finally {
      await gatherer.close();
    }
    // Computed once per run (seeded, so identical on recomputation): later calls read it back.
    if (!project.db.readonly) writeAggregate(project.db, runId, 'consistency', -1, '', result);
  }
  if (category === undefined) return result;
  if (!result.categories.includes(category)) throw new EngineError('not_found', `run #${runId} has no target category '${category}' (targets: ${result.categories.join(', ')})`);
  return {
    ...result,
    categories: [category],
    matrices: { [category]: result.matrices[category]! },
    summary: { [category]: result.summary[category]!, baseline: result.summary.baseline! },
  };
}
