// Layer and run analysis: recipes -> per-unit results -> layer metrics. Pure computation over sufficient
// statistics; per-image data (ranksum-maxp only) comes through a ResponseGatherer in slices.
import type { RecipeSettings } from '../../contract/recipe.ts';
import type { CategoryDef, LayerAnalysis, LayerStats, ResponseGatherer } from '../pipeline-types.ts';
import { layerAnalysis } from './layer-metrics.ts';
import { rankSumMaxP, type RankSumOptions } from './ranksum.ts';
import { topKMasks, unitResults, type PerImageEvidence } from './recipes.ts';

/** Analyzes one layer. ranksum-maxp needs `perImage` (see rankSumMaxP); every other recipe does not. */
export function analyzeLayer(stats: LayerStats, categories: readonly CategoryDef[], recipe: RecipeSettings, perImage?: PerImageEvidence): LayerAnalysis {
  return layerAnalysis(stats, unitResults(stats, categories, recipe, perImage ? { perImage } : {}));
}

export interface AnalyzeRunOptions extends RankSumOptions {
  /** Called after each layer with its index (progress). */
  onLayer?: (index: number, total: number) => void;
}

/**
 * Analyzes every layer of a run. top-k with topkScope 'global' selects the top k % across all layers
 * together; ranksum-maxp gathers per-image responses through `gatherer` (required then).
 */
export async function analyzeRun(
  layers: readonly LayerStats[],
  categories: readonly CategoryDef[],
  recipe: RecipeSettings,
  gatherer?: ResponseGatherer,
  options: AnalyzeRunOptions = {},
): Promise<LayerAnalysis[]> {
  if (recipe.recipe === 'ranksum-maxp' && !gatherer) throw new RangeError('ranksum-maxp needs per-image responses: no ResponseGatherer was given');
  const globalTopK = recipe.recipe === 'top-k' && recipe.topkScope === 'global';
  const perLayer = [];
  for (let l = 0; l < layers.length; l++) {
    const stats = layers[l]!;
    const perImage = recipe.recipe === 'ranksum-maxp' ? { rankSumMaxP: await rankSumMaxP(stats, gatherer!, options) } : undefined;
    perLayer.push(unitResults(stats, categories, recipe, { ...(perImage ? { perImage } : {}), deferTopK: globalTopK }));
    options.onLayer?.(l + 1, layers.length);
  }
  if (globalTopK && perLayer.length > 0) {
    const targets = perLayer[0]!.length;
    for (let c = 0; c < targets; c++) {
      const masks = topKMasks(
        perLayer.map((rs) => rs[c]!.tMin),
        recipe.topk,
      );
      perLayer.forEach((rs, l) => rs[c]!.selective.set(masks[l]!));
    }
  }
  return perLayer.map((rs, l) => layerAnalysis(layers[l]!, rs));
}
