// Every per-unit value a reader gets for a layer: the analysis's results (the selection, q, and the CSI,
// t and target mean the layer metrics use) and the values derived from the statistics for the rest, as
// the result pages, exports and inspector show them (runs/unit-values.ts), over the whole layer at once.
import type { RecipeSettings } from '../../../src-main/contract/recipe.ts';
import type { CategoryDef, LayerStats, UnitResults } from '../../../src-main/engine/pipeline-types.ts';
import { DERIVED_FIELDS, derivedUnitValues, targetIndices, type DerivedField } from '../../../src-main/engine/stats/recipes.ts';

export type EveryUnitValue = UnitResults & Record<DerivedField, Float64Array>;

/** `results` (one per target, as unitResults or the analysis gives them) with their derived values. */
export function everyUnitValue(stats: LayerStats, categories: readonly CategoryDef[], recipe: RecipeSettings, results: readonly UnitResults[]): EveryUnitValue[] {
  const targets = targetIndices(categories);
  return results.map((r, i) => ({ ...(derivedUnitValues(stats, categories, recipe, targets[i]!, DERIVED_FIELDS, r.qMax) as Record<DerivedField, Float64Array>), ...r }));
}
