// A small StudyData made by hand for the figure tests: two models of different depth (4 and 3 layers),
// the given target categories, and one comparison whose proportion test is significant at layer 0.
import { defaultRecipe } from '../../src-main/contract/recipe.ts';
import type { CompareResult, ConsistencyResult } from '../../src-main/contract/results-types.ts';
import type { StudyData, StudyRunData } from '../../src-main/contract/study-types.ts';
import type { LayerCategoryRow, RunSummary } from '../../src-main/contract/types.ts';

function run(id: number, model: string, layers: number, categories: string[]): StudyRunData {
  const names = Array.from({ length: layers }, (_, i) => `${model}.l${i}`);
  const rows: LayerCategoryRow[] = names.flatMap((layer, i) =>
    categories.map((category, c) => ({
      model,
      layer,
      layerIndex: i,
      depth: layers === 1 ? 0 : i / (layers - 1),
      category,
      images: 20 + c,
      units: 1000,
      selective: 10 * (i + c + 1),
      proportion: (10 * (i + c + 1)) / 1000,
      metrics: { csiMedian: 0.3 + 0.1 * i, csiQ1: 0.2, csiQ3: 0.6, channelEntropy: 0.5, channelGini: 0.4, spatialEntropy: 0.7, spatialGini: 0.2, activationNormalized: 1.5 },
    })),
  );
  const matrix = names.map((_, i) => names.map((__, j) => (i === j ? 1 : 0.5)));
  const consistency: ConsistencyResult = {
    run: id,
    layers: names,
    categories,
    matrices: Object.fromEntries(categories.map((c) => [c, matrix])),
    baseline: matrix,
    summary: { ...Object.fromEntries(categories.map((c) => [c, { mean: 0.5, adjacent: 0.5 }])), baseline: { mean: 0.6, adjacent: 0.6 } },
    notes: {},
    maxUnits: 2000,
    seed: 0,
  };
  const summary: RunSummary = { id, model, status: 'finished', recipe: defaultRecipe, provider: 'cpu', providerFallback: null, parentRun: null, createdAt: '', finishedAt: '', seconds: 1, images: 48, error: null };
  return {
    run: summary,
    // Token taps: 10 dims x (a class token + 10 x 10 patches), 1,010 units, not C x H x W.
    model: { name: model, sha256: String(id).repeat(64).slice(0, 64), bytes: 1234, source: `generated ${model}`, preprocessing: null, taps: names.map((name) => ({ name, channels: 10, height: 10, width: 10, units: 1010 })) },
    layers: names,
    rows,
    categories,
    csi: {},
    consistency,
    manifest: null,
  };
}

export function studyDataFixture(categories: string[], options: { ci?: boolean } = {}): StudyData {
  const a = run(1, 'alpha', 4, categories);
  const b = run(2, 'beta', 3, categories);
  const none = { low: null, high: null };
  const comparison: CompareResult = {
    runs: [1, 2],
    models: ['alpha', 'beta'],
    alignment: 'depth',
    alpha: 0.05,
    difference: 'A - B',
    images: categories.map((c, i) => ({ category: c, a: 20 + i, b: 20 + i })),
    warnings: [],
    forced: false,
    bootstrap: { iterations: 500, seed: 7, unitsPerStratum: 256, weights: 'poisson', seconds: [1, 1], subsets: [[], []] },
    imageLevelUnavailable: null,
    rows: categories.flatMap((category, c) =>
      a.layers.map((layerA, i) => ({
        claim: 'proportion' as const,
        metric: 'proportion',
        layerA,
        layerB: b.layers[Math.round((i / 3) * 2)]!,
        category,
        valueA: 0.01,
        ciA: options.ci ? { low: 0.005, high: 0.02 } : none,
        valueB: 0.02,
        ciB: options.ci ? { low: 0.01, high: 0.03 } : none,
        diff: -0.01,
        ciDiff: none,
        z: 2,
        p: i === 0 ? 0.001 : 0.5,
        q: i === 0 ? 0.004 : 0.6,
        significant: i === 0,
        fullA: 0.01,
        fullB: 0.02,
        n: { imagesA: 20 + c, imagesB: 20 + c, selectiveA: 10, selectiveB: 20, iterations: 500 },
      })),
    ),
    unitLevel: [{ layerA: a.layers[0]!, layerB: b.layers[0]!, category: categories[0]!, metric: 'proportion', test: 'two-proportion z', valueA: 0.01, valueB: 0.02, difference: -0.01, statistic: 2, p: 0.01, q: 0.02, selectiveA: 10, selectiveB: 20, significant: true }],
  };
  return {
    project: { name: 'fixture', path: '/tmp/fixture.unitscope' },
    study: null,
    runs: [a, b],
    comparisons: [comparison],
    images: Object.fromEntries(categories.map((c, i) => [c, 20 + i])),
    software: { app: '0.1.0', node: 'v20', platform: 'linux x64' },
  };
}
