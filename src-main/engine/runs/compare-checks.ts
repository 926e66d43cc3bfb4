// What two runs must share for a comparison to mean something (docs/method.md#comparison-checks): the same
// recipe (its effective settings), the same stimuli (the multiset of image sha256 per category), the same
// preprocessing and the same statistics precision. Each difference is one sentence; the comparison refuses
// them unless forced, and then records them as warnings.
import { effectiveSettings, RECIPE_PARAMETER_KEYS, usesParameter, type RecipeSettings } from '../../contract/recipe.ts';
import type { Project } from '../project.ts';
import { readRunCategories, readRunImages } from '../storage/run-inputs-store.ts';
import { readRunManifest, readRunRecord } from '../storage/runs-store.ts';
import { DEFAULT_PRECISION } from '../inference/extract.ts';

function recipeOf(project: Project, runId: number): RecipeSettings {
  return effectiveSettings(readRunRecord(project.db, runId)!.recipe);
}

function recipeDifference(a: RecipeSettings, b: RecipeSettings): string | null {
  if (a.recipe !== b.recipe) return `the recipes differ (${a.recipe} vs ${b.recipe})`;
  // The seed only draws the run-level statistics' subsets, not the selection.
  const keys = RECIPE_PARAMETER_KEYS.filter((k) => k !== 'seed' && usesParameter(a.recipe, k) && a[k] !== b[k]);
  return keys.length ? `the recipe settings differ (${keys.map((k) => `${k} ${String(a[k])} vs ${String(b[k])}`).join(', ')})` : null;
}

/** Per category name, the run's image sha256s sorted. */
function stimuliOf(project: Project, runId: number): Map<string, string[]> {
  const categories = readRunCategories(project.db, runId);
  const out = new Map<string, string[]>(categories.map((c) => [c.name, []]));
  for (const img of readRunImages(project.db, runId)) out.get(categories[img.category]!.name)!.push(img.sha256);
  for (const list of out.values()) list.sort();
  return out;
}

function stimuliDifference(a: Map<string, string[]>, b: Map<string, string[]>): string | null {
  const problems: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (!x || !y) {
      problems.push(`category ${name} is only in run ${x ? 'A' : 'B'}`);
      continue;
    }
    const ys = new Set(y);
    const xs = new Set(x);
    const onlyA = x.filter((s) => !ys.has(s)).length;
    const onlyB = y.filter((s) => !xs.has(s)).length;
    if (onlyA || onlyB || x.length !== y.length) problems.push(`${name}: ${x.length} vs ${y.length} images, ${onlyA} only in A, ${onlyB} only in B (by sha256)`);
  }
  return problems.length ? `the stimuli differ (${problems.join('; ')}); the bootstrap pairs only the images both runs share` : null;
}

/** Sentences naming every way runs `a` and `b` differ in what a comparison assumes they share. */
export function comparisonProblems(project: Project, a: number, b: number): string[] {
  const problems: string[] = [];
  const recipe = recipeDifference(recipeOf(project, a), recipeOf(project, b));
  if (recipe) problems.push(recipe);
  const stimuli = stimuliDifference(stimuliOf(project, a), stimuliOf(project, b));
  if (stimuli) problems.push(stimuli);
  const ma = readRunManifest(project.db, a);
  const mb = readRunManifest(project.db, b);
  const pa = JSON.stringify(ma?.model.preprocessing ?? null);
  const pb = JSON.stringify(mb?.model.preprocessing ?? null);
  if (pa !== pb) problems.push(`the preprocessing differs (${pa} vs ${pb}); expected when the models were trained with different presets, such as ResNet-50 and CLIP`);
  const xa = ma?.execution.precision ?? DEFAULT_PRECISION;
  const xb = mb?.execution.precision ?? DEFAULT_PRECISION;
  if (xa !== xb) problems.push(`the statistics precision differs (${xa} vs ${xb})`);
  return problems;
}
