// stats_from_sufficient: every recipe except ranksum-maxp (which needs per-image data) run from the
// sufficient statistics of ResNet-50 with stem taps, 6,522,880 units x 6 categories (144 images each),
// as a re-analysis does. value = seconds for all of them together; each recipe's seconds are fields.
import { recipeSchema, type RecipeInput } from '../src-main/contract/recipe.ts';
import type { CategoryDef, LayerStats, TapShape } from '../src-main/engine/pipeline-types.ts';
import { createRng } from '../src-main/engine/random.ts';
import { analyzeRun, emptyLayerStats } from '../src-main/engine/stats/index.ts';
import { DEMO_CATEGORIES } from '../src-main/engine/stimuli/demo.ts';

// The demo's localizer categories: four targets and two scrambled controls.
const categories: readonly CategoryDef[] = DEMO_CATEGORIES;

function resnet50Taps(): TapShape[] {
  const taps: TapShape[] = [
    { name: 'stem.relu', tensor: 'relu', channels: 64, height: 112, width: 112 },
    { name: 'stem.maxpool', tensor: 'maxpool', channels: 64, height: 56, width: 56 },
  ];
  const stages: [number, number, number][] = [
    [3, 256, 56],
    [4, 512, 28],
    [6, 1024, 14],
    [3, 2048, 7],
  ];
  stages.forEach(([blocks, channels, size], s) => {
    for (let b = 0; b < blocks; b++) taps.push({ name: `layer${s + 1}.${b}`, tensor: `layer${s + 1}.${b}`, channels, height: size, width: size });
  });
  return taps;
}

/** Plausible statistics: per-unit baseline, a preferred-category effect, sample variances near 1. */
function synthesize(tap: TapShape, seed: number): LayerStats {
  const rng = createRng(seed);
  const K = categories.length;
  const stats = emptyLayerStats(tap, K);
  const n = 144;
  stats.count.fill(n);
  const units = stats.mean.length / K;
  for (let u = 0; u < units; u++) {
    const base = rng.next() * 2;
    const pref = rng.int(K);
    const effect = rng.next() * 0.6;
    for (let k = 0; k < K; k++) {
      stats.mean[k * units + u] = base + (k === pref ? effect : 0) + (rng.next() - 0.5) * 0.1;
      stats.m2[k * units + u] = (n - 1) * (0.5 + rng.next());
    }
  }
  return stats;
}

const recipes: [string, RecipeInput][] = [
  ['pairwise-t', { recipe: 'pairwise-t' }],
  ['pairwise-t-welch', { recipe: 'pairwise-t', variance: 'welch' }],
  ['prince2024', { recipe: 'prince2024' }],
  ['vs-rest', { recipe: 'vs-rest' }],
  ['top-k', { recipe: 'top-k' }],
  ['top-k-global', { recipe: 'top-k', topkScope: 'global' }],
  ['dprime', { recipe: 'dprime' }],
];

export async function run(): Promise<{ name: string; value: number; unit: string; [k: string]: unknown }[]> {
  const layers = resnet50Taps().map((tap, i) => synthesize(tap, 100 + i));
  const units = layers.reduce((s, l) => s + l.mean.length / categories.length, 0);
  const seconds: Record<string, number> = {};
  let selected = 0;
  for (const [name, input] of recipes) {
    const t0 = performance.now();
    const analyses = await analyzeRun(layers, categories, recipeSchema.parse(input));
    seconds[name] = (performance.now() - t0) / 1000;
    selected += analyses.reduce((s, a) => s + Object.values(a.metrics).reduce((t, m) => t + m.selectiveCount!, 0), 0);
  }
  const total = Object.values(seconds).reduce((s, v) => s + v, 0);
  return [{ name: 'stats_from_sufficient', value: total, unit: 's', units, categories: categories.length, recipe_seconds: seconds, selected_unit_category_pairs: selected }];
}
