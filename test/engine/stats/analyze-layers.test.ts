// analyzeLayers on worker threads gives exactly analyzeLayer's results, stores in job order, and fails
// or cancels cleanly (the workers are closed, the error is the caller's).
import { describe, expect, it } from 'vitest';
import { recipeSchema } from '../../../src-main/contract/recipe.ts';
import type { CategoryDef, LayerStats, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { createRng } from '../../../src-main/engine/random.ts';
import { analyzeLayer, analyzeLayers, emptyLayerStats, storableAnalysis, type AnalyzedLayer, type LayerJob } from '../../../src-main/engine/stats/index.ts';

const categories: CategoryDef[] = [
  { name: 'faces', role: 'target', controlsFor: null },
  { name: 'scenes', role: 'target', controlsFor: null },
  { name: 'objects', role: 'target', controlsFor: null },
  { name: 'scrambled', role: 'control', controlsFor: 'scenes' },
];

function synthetic(tap: TapShape, seed: number): LayerStats {
  const rng = createRng(seed);
  const stats = emptyLayerStats(tap, categories.length);
  const units = tap.channels * tap.height * tap.width;
  categories.forEach((_, k) => (stats.count[k] = 10 + k * 3));
  for (let u = 0; u < units; u++) {
    const pref = rng.int(categories.length);
    for (let k = 0; k < categories.length; k++) {
      // a few dead units (zero variance) among them
      const dead = u % 17 === 0;
      stats.mean[k * units + u] = dead ? 0 : rng.next() + (k === pref ? 1 : 0);
      stats.m2[k * units + u] = dead ? 0 : (stats.count[k]! - 1) * (0.2 + rng.next());
    }
  }
  return stats;
}

const jobs: LayerJob[] = [
  { position: 0, tap: { name: 'a', tensor: 'a', channels: 8, height: 6, width: 6 } },
  { position: 1, tap: { name: 'b', tensor: 'b', channels: 16, height: 3, width: 3 } },
  { position: 2, tap: { name: 'c', tensor: 'c', channels: 32, height: 1, width: 1 } },
];
const load = (job: LayerJob) => synthetic(job.tap, 10 + job.position);

describe('analyzeLayers', () => {
  it.each([
    ['pairwise-t', { recipe: 'pairwise-t' }],
    ['welch by', { recipe: 'pairwise-t', variance: 'welch', fdr: 'by' }],
    ['vs-rest', { recipe: 'vs-rest' }],
    ['top-k per layer', { recipe: 'top-k', topk: 10 }],
  ] as const)('gives analyzeLayer’s results on two workers, stored in job order (%s)', async (_name, input) => {
    const recipe = recipeSchema.parse(input);
    const stored: [number, AnalyzedLayer][] = [];
    await analyzeLayers(jobs, load, categories, recipe, (job, analyzed) => void stored.push([job.position, analyzed]), { workers: 2 });
    expect(stored.map(([p]) => p)).toEqual([0, 1, 2]);
    for (const [position, analyzed] of stored) {
      const inline = analyzeLayer(load(jobs[position]!), categories, recipe);
      expect(analyzed.analysis).toEqual(inline);
      // The CSI order and the aggregates the worker computed for storing are this thread's.
      expect(analyzed.targets).toEqual(storableAnalysis(inline).targets);
      expect(analyzed.targets.map((t) => t.csiOrder.length)).toEqual(inline.units.map((r) => r.csi.length));
    }
  }, 60_000);

  it('keeps the layers out within the memory budget (one at a time when it is tiny)', async () => {
    const events: string[] = [];
    const logged = (job: LayerJob) => {
      events.push(`load ${job.position}`);
      return load(job);
    };
    const store = (job: LayerJob) => void events.push(`store ${job.position}`);
    await analyzeLayers(jobs, logged, categories, recipeSchema.parse({}), store, { workers: 2, budgetBytes: 1 });
    expect(events).toEqual(['load 0', 'store 0', 'load 1', 'store 1', 'load 2', 'store 2']);
    events.length = 0;
    await analyzeLayers(jobs, logged, categories, recipeSchema.parse({}), store, { workers: 2 });
    // within the default budget both workers get a layer before the first is stored
    expect(events.slice(0, 2)).toEqual(['load 0', 'load 1']);
    expect(events.filter((e) => e.startsWith('store'))).toEqual(['store 0', 'store 1', 'store 2']);
  }, 60_000);

  it('refuses the recipes that need every layer at once', async () => {
    await expect(analyzeLayers(jobs, load, categories, recipeSchema.parse({ recipe: 'top-k', topkScope: 'global' }), () => {})).rejects.toThrow(/analyzeRun/);
  });

  it('passes a failing load through and stops', async () => {
    const stored: number[] = [];
    const failing = (job: LayerJob) => {
      if (job.position === 1) throw new Error('no statistics for layer b');
      return load(job);
    };
    await expect(analyzeLayers(jobs, failing, categories, recipeSchema.parse({}), (job) => void stored.push(job.position), { workers: 2 })).rejects.toThrow('no statistics for layer b');
    expect(stored).toEqual([]);
  }, 60_000);

  it('stops storing when cancelled', async () => {
    const controller = new AbortController();
    const stored: number[] = [];
    const run = analyzeLayers(
      jobs,
      load,
      categories,
      recipeSchema.parse({}),
      (job) => {
        stored.push(job.position);
        controller.abort();
      },
      { workers: 2, signal: controller.signal },
    );
    await expect(run).rejects.toMatchObject({ kind: 'cancelled' });
    expect(stored).toEqual([0]);
  }, 60_000);
});
