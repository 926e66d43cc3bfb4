// The scipy recipe fixture (test/fixtures/stats/recipes.json) as the engine takes it: each case's layers
// accumulated into sufficient statistics, and a gatherer serving its per-image rows (ranksum-maxp).
import type { RecipeSettings } from '../../../src-main/contract/recipe.ts';
import type { CategoryDef, ResponseGatherer, StimulusRef, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { SufficientAccumulator } from '../../../src-main/engine/stats/sufficient.ts';

export interface FixtureUnits {
  category: string;
  selective: number[];
  [field: string]: number[] | string;
}
export interface RecipeFixtureCase {
  name: string;
  categories: CategoryDef[];
  imageCategories: number[];
  layers: { tap: TapShape; data: number[] }[];
  results: {
    recipe: RecipeSettings;
    layers: { units: FixtureUnits[]; metrics: Record<string, Record<string, number>>; channelCounts: Record<string, number[]>; density: Record<string, number[]>; overlap: number[] }[];
  }[];
}

export function prepareRecipeCase(c: RecipeFixtureCase) {
  const rows = c.layers.map((l) => Float32Array.from(l.data));
  const stats = c.layers.map((l, li) => {
    const acc = new SufficientAccumulator(l.tap, c.categories.length);
    const units = acc.units;
    c.imageCategories.forEach((k, i) => acc.addRow(k, rows[li]!.subarray(i * units, (i + 1) * units)));
    return acc.finish();
  });
  const images: StimulusRef[] = c.imageCategories.map((category, id) => ({ id, path: `/images/${id}.png`, category }));
  // Serves the fixture's per-image rows in the slices the engine asks for, as the extractor would.
  const gatherer: ResponseGatherer = {
    images,
    async gather(tap, units) {
      const li = c.layers.findIndex((l) => l.tap.name === tap);
      const all = rows[li]!;
      const width = all.length / images.length;
      const out = new Float32Array(images.length * units.length);
      for (let i = 0; i < images.length; i++) for (let j = 0; j < units.length; j++) out[i * units.length + j] = all[i * width + units[j]!]!;
      return out;
    },
  };
  return { stats, gatherer };
}
