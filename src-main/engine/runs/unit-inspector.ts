// The unit inspector's numbers that come from the stored sufficient statistics: each category's mean
// with its sample standard deviation and 95 % t interval, and the unit's results per target category.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { CategoryInterval, UnitInspection, UnitRow } from '../../contract/results-types.ts';
import { EngineError } from '../errors.ts';
import { positionCell, tapUnits, unitChannel, unitPosition } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { readUnitStats } from '../storage/statistics-store.ts';
import { readRunCategories } from '../storage/run-inputs-store.ts';
import { requireLayer, requireRun, targetCategories, unitsPage } from './results-queries.ts';
import { statsSource } from './run-inputs.ts';
import type { RunHooks } from './run-lifecycle.ts';
import { runGatherer } from './stored-analysis.ts';

/** Intervals from one unit's statistics (mean[k], m2[k] for category k). */
function categoryIntervals(count: Float64Array, mean: Float64Array, m2: Float64Array, names: readonly string[]): CategoryInterval[] {
  return names.map((category, k) => {
    const n = count[k]!;
    const m = mean[k]!;
    if (n < 2) return { category, n, mean: m, sd: null, low: null, high: null };
    const sd = Math.sqrt(m2[k]! / (n - 1));
    const half = tQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
    return { category, n, mean: m, sd, low: m - half, high: m + half };
  });
}

const TOP_IMAGES = 12;

export async function inspectUnit(project: Project, runId: number, layer: string, unit: number, hooks: RunHooks = {}): Promise<UnitInspection> {
  const run = requireRun(project, runId);
  const { position, tap } = requireLayer(project, runId, layer);
  const units = tapUnits(tap);
  if (unit >= units) throw new EngineError('validation', `layer '${layer}' has ${units} units; unit ${unit} does not exist`);
  // This unit's statistics only (the chunk it falls in), not the layer's.
  const stats = readUnitStats(project.db, statsSource(project, runId), position, [unit]);
  if (!stats) throw new EngineError('internal', `run #${runId}: no statistics for layer ${layer}`, { file: project.path });
  const names = readRunCategories(project.db, runId).map((c) => c.name);
  const channel = unitChannel(tap, unit);
  const cellIndex = unitPosition(tap, unit);
  const results: (UnitRow & { category: string })[] = [];
  if (run.status === 'finished') {
    for (const category of targetCategories(project.db, runId)) {
      // The unit's row, read through its channel (its units in unit order) rather than the whole layer.
      const page = unitsPage(project, { run: runId, layer, category, channels: [channel], sort: 'unit', offset: cellIndex, limit: 1 });
      const row = page.units[0];
      if (row) results.push({ ...row, category });
    }
  }
  // Per-image responses: gathered in-graph for this one unit over the run's images.
  const gatherer = await runGatherer(project, runId, hooks);
  let values: Float32Array;
  try {
    values = await gatherer.gather(tap.name, Int32Array.of(unit), hooks.signal);
  } finally {
    await gatherer.close();
  }
  const responses = gatherer.images.map((img, i) => ({ image: img.id, category: names[img.category]!, value: values[i]! }));
  const topImages = [...responses].sort((a, b) => b.value - a.value || a.image - b.image).slice(0, TOP_IMAGES);
  return {
    run: runId,
    layer,
    unit,
    layout: tap.layout ?? 'chw',
    channel,
    ...positionCell(tap, cellIndex),
    categories: categoryIntervals(stats.count, stats.mean, stats.m2, names),
    results,
    responses,
    topImages,
  };
}
