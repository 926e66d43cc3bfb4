// The zod schemas of the recipe settings, derived from the recipe table (recipe-table.ts, re-exported
// here so callers import recipes from one module): complete settings with the table's defaults, and
// partial settings as calls give them.
import { z } from 'zod';
import { numberSchema } from './fields.ts';
import { DEFAULT_RECIPE, RECIPE_PARAMETER_KEYS, RECIPE_PARAMETERS, RECIPES, type RecipeParameter, type RecipeParameterKey, type RecipeSettings } from './recipe-table.ts';

export * from './recipe-table.ts';

function choiceWords(choices: readonly string[]): string {
  return choices.length <= 2 ? choices.join(' or ') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

function parameterSchema(p: RecipeParameter): z.ZodType {
  if (p.kind === 'number') return numberSchema(p);
  return z.enum(p.choices as [string, ...string[]], { error: `${p.label} must be ${choiceWords(p.choices)}` });
}

type ParameterSchemas = { [K in RecipeParameterKey]: z.ZodType<RecipeSettings[K], RecipeSettings[K]> };

const parameterSchemas = Object.fromEntries(RECIPE_PARAMETER_KEYS.map((key) => [key, parameterSchema(RECIPE_PARAMETERS[key])])) as ParameterSchemas;
const recipeNameSchema = z.enum(RECIPES, { error: `the recipe must be ${choiceWords(RECIPES)}` });

/** Complete settings: what is not given takes the table's default (stored runs, the engine). */
export const recipeSchema = z.object({
  recipe: recipeNameSchema.default(DEFAULT_RECIPE),
  ...(Object.fromEntries(RECIPE_PARAMETER_KEYS.map((key) => [key, (parameterSchemas[key] as z.ZodType).default(RECIPE_PARAMETERS[key].default)])) as {
    [K in RecipeParameterKey]: z.ZodDefault<ParameterSchemas[K]>;
  }),
});

/**
 * Some settings, as calls give them: what is not given stays absent (no defaults filled in), so a
 * reanalysis keeps its source run's other settings and a shard leaves the bundle's alone.
 */
export const recipeInputSchema = z.object({
  recipe: recipeNameSchema.optional(),
  ...(Object.fromEntries(RECIPE_PARAMETER_KEYS.map((key) => [key, parameterSchemas[key].optional()])) as { [K in RecipeParameterKey]: z.ZodOptional<ParameterSchemas[K]> }),
});

export const defaultRecipe: RecipeSettings = recipeSchema.parse({});

export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDERS)[number];

/**
 * How extraction reduces the taps (the run record names it; docs/extraction.md):
 * - float64 (exact, the default): the taps leave the runtime and are merged on the host in float64
 *   (docs/method.md#sufficient-statistics: the 1e-9 variance contract holds);
 * - float32 (fused): the graph itself reduces each tap to centered sums and sums of squares in float32,
 *   so only 2 x units per tap and batch leave the runtime (for GPUs); variances within ~1e-6 relative.
 */
export const STATS_PRECISIONS = ['float64', 'float32'] as const;
export type StatsPrecision = (typeof STATS_PRECISIONS)[number];
