// Run-level statistics over stored runs: model comparison (two runs, layer by layer: the image bootstrap
// of run-bootstrap.ts, with the unit-level tests as description) and representational consistency across
// the layers of one run. Consistency needs per-image responses of the selective
// units, gathered in-graph once; the result is stored as an aggregate so the chart reads it afterwards.
import type { CompareClaim, CompareInterval, CompareResult, CompareRow, CompareSubset, CompareTest, ConsistencyResult } from '../../contract/results-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { tapUnits } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { compareReplicates, type ImageComparisonRow, type RunReplicates } from '../stats/compare-images.ts';
import { resamplingRefusal } from '../stats/resample-selection.ts';
import { alignLayers, compareRuns, consistencyMatrix, type ComparisonRow, type ConsistencyMatrix } from '../stats/index.ts';
import type { StoredBootstrap } from '../storage/bootstrap-store.ts';
import { readAggregate, readLayerResults, writeAggregate } from '../storage/layer-results-store.ts';
import { readRunCategories, readRunLayers } from '../storage/run-inputs-store.ts';
import { comparisonProblems } from './compare-checks.ts';
import { bootstrapSettings, runBootstrap } from './run-bootstrap.ts';
import { requireRun } from './results-queries.ts';
import { runGatherer, storedLayerAnalyses } from './stored-analysis.ts';
import type { RunHooks } from './run-lifecycle.ts';

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

function requireFinishedRun(project: Project, runId: number) {
  const run = requireRun(project, runId);
  if (run.status !== 'finished') throw new EngineError('conflict', `run #${runId} is ${run.status}; only finished runs can be compared or summarised`, { file: project.path });
  return run;
}

/** The contract's unit-level tests from the descriptive comparison rows (docs/method.md#comparison-descriptive). */
function unitLevelTests(rows: ComparisonRow[], alpha: number): CompareTest[] {
  return rows.flatMap((r) => {
    const base = { layerA: r.layerA, layerB: r.layerB, category: r.category, selectiveA: r.selectiveA, selectiveB: r.selectiveB };
    const test = (metric: string, name: string, valueA: number, valueB: number, difference: number, statistic: number, p: number, q: number): CompareTest => ({
      ...base,
      metric,
      test: name,
      valueA: num(valueA),
      valueB: num(valueB),
      difference: num(difference),
      statistic: num(statistic),
      p: num(p),
      q: num(q),
      significant: Number.isFinite(q) && q < alpha,
    });
    return [
      test('proportion', 'two-proportion z over units (descriptive)', r.proportionA, r.proportionB, r.proportionA - r.proportionB, r.proportionZ, r.proportionP, r.proportionQ),
      test('csi_median', 'Mann-Whitney U over selective units (descriptive)', r.csiMedianA, r.csiMedianB, r.csiMedianA - r.csiMedianB, NaN, r.csiP, r.csiQ),
      test('channel_entropy', 'bootstrap over selective units, A - B (descriptive)', NaN, NaN, r.channelEntropyDiff, NaN, r.channelEntropyP, r.channelEntropyQ),
      test('channel_gini', 'bootstrap over selective units, A - B (descriptive)', NaN, NaN, r.channelGiniDiff, NaN, r.channelGiniP, r.channelGiniQ),
    ];
  });
}

/** Which claim each image-level metric tests, and the results-table metric of the same quantity over all units. */
const METRIC_CLAIMS: Record<ImageComparisonRow['metric'], { claim: CompareClaim; table: string | null }> = {
  proportion: { claim: 'proportion', table: 'proportion' },
  proportion_slope: { claim: 'proportion', table: null },
  csi_median: { claim: 'specificity', table: 'csiMedian' },
  csi_mean: { claim: 'specificity', table: 'csiMean' },
  channel_entropy: { claim: 'evenness', table: 'channelEntropy' },
  channel_gini: { claim: 'evenness', table: 'channelGini' },
  spatial_entropy: { claim: 'localization', table: 'spatialEntropy' },
  spatial_gini: { claim: 'localization', table: 'spatialGini' },
  activation: { claim: 'activation', table: 'activationNormalized' },
  selective: { claim: 'proportion', table: null },
};

const interval = (i: { low: number; high: number }): CompareInterval => ({ low: num(i.low), high: num(i.high) });

function subsetsOf(project: Project, runId: number, stored: StoredBootstrap): CompareSubset[] {
  const taps = readRunLayers(project.db, runId);
  return stored.header.subsets.map((s, l) => ({
    layer: stored.header.layers[l]!,
    layerUnits: tapUnits(taps[l]!),
    subsetUnits: s.units,
    channelStratum: s.channelStratum,
    spatialStratum: s.spatialStratum,
    positions: s.positions,
    channels: s.channels,
  }));
}

export interface CompareRequest {
  force?: boolean | undefined;
  iterations?: number | undefined;
  seed?: number | undefined;
  units?: number | undefined;
}

/**
 * Compares two finished runs (docs/method.md#comparison): refuses runs that differ in recipe, stimuli,
 * preprocessing or precision unless forced; then the paired image bootstrap of every claim, and the
 * unit-level tests as description. Every difference is A - B.
 */
export async function compareStoredRuns(project: Project, a: number, b: number, request: CompareRequest = {}, hooks: RunHooks = {}): Promise<CompareResult> {
  const runA = requireFinishedRun(project, a);
  const runB = requireFinishedRun(project, b);
  const problems = comparisonProblems(project, a, b);
  if (problems.length > 0 && !request.force) {
    throw new EngineError('conflict', `${project.path}: runs #${a} and #${b} cannot be compared: ${problems.join('; ')}. Compare them anyway with --force (force: true); the differences are then recorded as warnings`, {
      file: project.path,
    });
  }
  const namesA = readRunLayers(project.db, a).map((l) => l.name);
  const namesB = readRunLayers(project.db, b).map((l) => l.name);
  // Same layer names (same architecture): align by name; otherwise by relative depth.
  const alignment = namesA.length === namesB.length && namesA.every((n, i) => n === namesB[i]) ? 'name' : 'depth';
  const pairs = alignLayers(namesA, namesB, alignment);
  const alpha = runA.recipe.alpha;
  const settings = bootstrapSettings(runA.recipe, request);
  const warnings = [...problems];
  const refusal = resamplingRefusal(runA.recipe) ?? resamplingRefusal(runB.recipe);
  let rows: CompareRow[] = [];
  let bootstrap: CompareResult['bootstrap'] = null;
  if (refusal) warnings.push(`no image-level comparison: ${refusal}`);
  else {
    const bootA = await runBootstrap(project, a, settings, hooks);
    const bootB = await runBootstrap(project, b, settings, hooks);
    const replicates = (s: StoredBootstrap): RunReplicates => ({ layers: s.header.layers, targets: s.header.targets, iterations: s.header.iterations, values: s.values });
    const tableA = readLayerResults(project.db, a);
    const tableB = readLayerResults(project.db, b);
    const images = (runId: number) => new Map(readRunCategories(project.db, runId).map((c) => [c.name, c.images]));
    const imagesA = images(a);
    const imagesB = images(b);
    const cell = (table: typeof tableA, layer: string | null, names: string[], category: string) => (layer === null ? undefined : table.find((r) => r.position === names.indexOf(layer) && r.category === category));
    rows = compareReplicates(replicates(bootA), replicates(bootB), pairs).map((r) => {
      const { claim, table } = METRIC_CLAIMS[r.metric];
      const ca = cell(tableA, r.layerA, namesA, r.category);
      const cb = cell(tableB, r.layerB, namesB, r.category);
      return {
        claim,
        metric: r.metric,
        layerA: r.layerA,
        layerB: r.layerB,
        category: r.category,
        valueA: num(r.valueA),
        ciA: interval(r.ciA),
        valueB: num(r.valueB),
        ciB: interval(r.ciB),
        diff: num(r.diff),
        ciDiff: interval(r.ciDiff),
        z: num(r.z),
        p: num(r.p),
        q: num(r.q),
        significant: Number.isFinite(r.q) && r.q < alpha,
        fullA: table && ca ? (ca.metrics[table] ?? null) : null,
        fullB: table && cb ? (cb.metrics[table] ?? null) : null,
        n: { imagesA: imagesA.get(r.category) ?? 0, imagesB: imagesB.get(r.category) ?? 0, selectiveA: ca?.selective ?? null, selectiveB: cb?.selective ?? null, iterations: r.iterations },
      };
    });
    bootstrap = {
      ...settings,
      weights: 'Poisson(1) per image and iteration from (seed, image sha256, iteration); the same images resample identically in both runs',
      seconds: [bootA.seconds, bootB.seconds],
      subsets: [subsetsOf(project, a, bootA), subsetsOf(project, b, bootB)],
    };
  }
  hooks.progress?.({ phase: 'unit-level tests', done: 0, total: 2, unit: 'runs' });
  const la = storedLayerAnalyses(project, a);
  throwIfAborted(hooks.signal, 'the comparison');
  const lb = storedLayerAnalyses(project, b);
  const unitLevel = unitLevelTests(compareRuns(la, lb, { alignment, seed: settings.seed, iterations: settings.iterations }), alpha);
  const categoriesA = readRunCategories(project.db, a);
  const categoriesB = readRunCategories(project.db, b);
  const names = [...new Set([...categoriesA, ...categoriesB].map((c) => c.name))];
  return {
    runs: [a, b],
    models: [runA.model, runB.model],
    alignment,
    alpha,
    difference: 'A - B',
    images: names.map((category) => ({ category, a: categoriesA.find((c) => c.name === category)?.images ?? 0, b: categoriesB.find((c) => c.name === category)?.images ?? 0 })),
    warnings,
    forced: request.force === true && problems.length > 0,
    bootstrap,
    imageLevelUnavailable: refusal,
    rows,
    unitLevel,
  };
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
        notes: { ...Object.fromEntries(c.categories.map((x) => [x.category, x.notes])), baseline: c.baseline.notes },
        maxUnits: c.maxUnits,
        seed: c.seed,
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
    notes: { [category]: result.notes[category] ?? [], baseline: result.notes.baseline ?? [] },
  };
}
