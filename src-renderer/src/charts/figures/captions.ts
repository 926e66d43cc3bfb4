// Captions of the study figures: what is drawn, the project, the models, the recipe, n (images per
// category) and the tests behind the marks, generated from the data so a figure always says what it is.
import type { RecipeSettings } from '../../../../src-main/contract/recipe.ts';
import type { StudyData } from '../../../../src-main/contract/study-types.ts';

export function recipeText(recipe: RecipeSettings): string {
  const parts = [`Recipe ${recipe.recipe}`];
  if (recipe.recipe === 'top-k') parts.push(`top ${recipe.topk} % (${recipe.topkScope})`);
  else if (recipe.recipe === 'dprime') parts.push(`d′ > ${recipe.dprime}`);
  else if (recipe.recipe === 'ranksum-maxp') parts.push(`max p < ${recipe.ranksumP}`);
  else parts.push(`${recipe.variance === 'welch' ? 'Welch' : 'pooled'} t`, `FDR ${recipe.fdr.toUpperCase()}`, `α = ${recipe.alpha}`);
  return parts.join(', ');
}

export function imagesText(data: StudyData): string {
  const entries = Object.entries(data.images);
  if (entries.length === 0) return '';
  return `n images per category: ${entries.map(([c, n]) => `${c} ${n}`).join(', ')}`;
}

/** The common part of every caption: project, models, recipe, n. */
export function captionBase(data: StudyData): string {
  const recipe = data.runs[0]?.run.recipe;
  const models = data.runs.map((r) => `${r.model.name} (run ${r.run.id})`).join(', ');
  return [`Project ${data.project.name}`, `Models: ${models}`, recipe ? recipeText(recipe) : '', imagesText(data)].filter(Boolean).join('. ') + '.';
}

/** How the significance marks were tested, from the comparisons themselves. */
export function marksText(data: StudyData, metrics: readonly string[]): string {
  const rows = data.comparisons.flatMap((c) => c.rows).filter((r) => metrics.includes(r.metric));
  if (rows.length === 0) return '';
  const settings = [...new Set(data.comparisons.map((c) => (c.bootstrap ? `${c.bootstrap.iterations.toLocaleString('en-US')} iterations, seed ${c.bootstrap.seed}` : '')).filter(Boolean))].join('; ');
  const alpha = data.comparisons[0]?.alpha ?? 0.05;
  const pairs = data.comparisons.map((c) => `${c.models[0]}–${c.models[1]}`);
  const order = pairs.length > 1 ? ` Marks in rows from the top: ${pairs.join(', ')}.` : '';
  return ` * q < ${alpha}: paired image bootstrap of A − B (${settings}), BH across layers × categories (method.md #comparison).${order}`;
}
