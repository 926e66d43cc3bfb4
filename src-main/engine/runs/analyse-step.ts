// The analysis step of a run: the recipe over the final sufficient statistics, one layer per
// transaction (unit results, the layer x category rows and the chart aggregates together), so a resumed
// run keeps the layers an earlier process stored and recomputes the rest from the same statistics.
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import { needsPerImage, ranksAcrossLayers, type RecipeSettings } from '../../contract/recipe.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { tapUnits, type CategoryDef, type LayerAnalysis, type LayerStats, type TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { analyzeLayers, analyzeRun, storableAnalysis, type AnalyzedLayer } from '../stats/analyze.ts';
import { deleteRunAnalysis, hasLayerAnalysis, writeAggregate, writeLayerResult } from '../storage/layer-results-store.ts';
import { readRunCategories, readRunLayers } from '../storage/run-inputs-store.ts';
import { readRunManifest } from '../storage/runs-store.ts';
import { chunkFinalStats, readLayerStats } from '../storage/statistics-store.ts';
import { writeUnitResults } from '../storage/unit-results-store.ts';
import { metricsForJson } from '../stats/aggregates.ts';
import type { RunHooks } from './run-lifecycle.ts';
import { runGatherer } from './stored-analysis.ts';

function loadStats(project: Project, statsRun: number, position: number, tap: TapShape): LayerStats {
  const stored = readLayerStats(project.db, statsRun, position);
  if (!stored || stored.state !== 'final') throw new EngineError('internal', `run #${statsRun}: no final statistics for layer ${tap.name}`, { file: project.path });
  return { tap, count: stored.count, mean: stored.mean, m2: stored.m2 };
}

function storeLayer(project: Project, runId: number, position: number, { analysis, targets }: AnalyzedLayer): void {
  const db = project.db;
  const units = tapUnits(analysis.tap);
  db.transaction(() => {
    for (const [t, r] of analysis.units.entries()) {
      const { csiOrder, aggregates: agg } = targets[t]!;
      writeUnitResults(db, runId, position, r, csiOrder);
      let selective = 0;
      for (const s of r.selective) selective += s;
      writeLayerResult(db, runId, { position, category: r.category, units, selective, metrics: metricsForJson(analysis.metrics[r.category]) });
      writeAggregate(db, runId, 'csi', position, r.category, agg.csi);
      writeAggregate(db, runId, 'channels', position, r.category, agg.channels);
      writeAggregate(db, runId, 'density', position, r.category, agg.density);
    }
    writeAggregate(db, runId, 'overlap', position, '', analysis.overlap);
  }).immediate();
}

/** Analyses run `runId` with `recipe` from the final statistics of run `statsRun` (itself or the run it reanalyses). */
export async function analyseRun(project: Project, runId: number, statsRun: number, recipe: RecipeSettings, hooks: RunHooks): Promise<void> {
  const taps = readRunLayers(project.db, runId);
  const categories: CategoryDef[] = readRunCategories(project.db, runId).map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  const meter = new ProgressMeter('analysis', taps.length, (p) => hooks.progress?.(p), 'layers');
  // The unit values this analysis does not store are derived on read from the statistics, a page's units
  // at a time, which needs them chunked; a run extracted before m150 has them whole (same values).
  chunkFinalStats(project.db, statsRun);
  // The run's memory budget (recorded at its start; reanalyses keep their source's) bounds the gathers
  // and the layers out at once (being analysed or stored).
  const budgetMB = readRunManifest(project.db, runId)?.execution.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  if (needsPerImage(recipe) || ranksAcrossLayers(recipe)) {
    // The global top k % needs every layer's strengths together, and ranksum-maxp per-image responses
    // (gathered in-graph in unit slices): all layers are recomputed together.
    deleteRunAnalysis(project.db, runId);
    const all = taps.map((tap, l) => loadStats(project, statsRun, l, tap));
    // A quarter of the budget holds one slice of per-image responses (256 MiB of the default 1024).
    const gatherer = needsPerImage(recipe) ? await runGatherer(project, runId, hooks, 'auto', budgetMB) : undefined;
    let analyses: LayerAnalysis[];
    try {
      analyses = await analyzeRun(all, categories, recipe, gatherer, { budgetBytes: (budgetMB * 1024 * 1024) / 4, onLayer: (done, total) => hooks.progress?.({ phase: 'analysis', done, total, unit: 'layers' }) });
    } finally {
      await gatherer?.close();
    }
    analyses.forEach((a, l) => {
      throwIfAborted(hooks.signal, 'the analysis');
      storeLayer(project, runId, l, storableAnalysis(a));
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
    ({ position, tap }, analyzed) => {
      storeLayer(project, runId, position, analyzed);
      meter.tick(1, tap.name);
    },
    { budgetBytes: budgetMB * 1024 * 1024, ...(hooks.signal ? { signal: hooks.signal } : {}) },
  );
}
