// The recipe table: every selection recipe and every analysis setting, declared once (docs/method.md#recipes). The zod schema (recipe.ts), the statistics dispatch (engine/stats/recipes.ts), the CLI
// options and help (cli/commands/recipe-options.ts), the Run form and the table in docs/recipes.md
// (resources/scripts/recipe-docs.ts) are all derived from it. Adding a setting is one entry in
// RECIPE_PARAMETERS plus its arithmetic. Plain data and functions: the statistics stage (and every
// analysis worker) loads this without the validation library.
import type { NumberRule } from './fields.ts';

export const RECIPES = ['pairwise-t', 'prince2024', 'vs-rest', 'ranksum-maxp', 'top-k', 'dprime'] as const;
export type RecipeName = (typeof RECIPES)[number];
export const FDR_METHODS = ['bh', 'by', 'bonferroni', 'none'] as const;
export const AGAINST = ['all', 'targets', 'targets+own-control'] as const;
export const VARIANCES = ['pooled', 'welch'] as const;
export const TOPK_SCOPES = ['layer', 'global'] as const;

export const DEFAULT_RECIPE: RecipeName = 'pairwise-t';

interface ParameterBase {
  /** The CLI option, --NAME. */
  readonly option: string;
  /** The Run form's label; also how messages name the value. */
  readonly label: string;
  /** One line: what the setting does (CLI help, Run form, docs). */
  readonly meaning: string;
  /** The recipes whose stored results depend on it; the Run form shows it for these only. */
  readonly usedBy: readonly RecipeName[];
  /** Where docs/method.md defines it. */
  readonly docs: `docs/method.md#${string}`;
}

export interface ChoiceParameter extends ParameterBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
  /** Longer names of some choices for the form. */
  readonly choiceLabels?: Readonly<Record<string, string>>;
}

export interface NumberParameter extends ParameterBase, Omit<NumberRule, 'label'> {
  readonly kind: 'number';
  readonly default: number;
  /** The value's name in the CLI help: --alpha A. */
  readonly metavar: string;
}

export type RecipeParameter = ChoiceParameter | NumberParameter;

const EVERY_RECIPE = RECIPES;

export const RECIPE_PARAMETERS = {
  variance: {
    kind: 'choice',
    option: 'variance',
    label: 'Variance',
    meaning: "two-sample t-tests between categories with pooled (Student) or Welch variance: pairwise-t's test, the others' reported pairwise t",
    choices: VARIANCES,
    default: 'pooled',
    choiceLabels: { pooled: 'pooled (Student)', welch: 'Welch' },
    usedBy: ['pairwise-t', 'vs-rest', 'ranksum-maxp', 'top-k', 'dprime'],
    docs: 'docs/method.md#variance',
  },
  fdr: {
    kind: 'choice',
    option: 'fdr',
    label: 'Multiple comparisons',
    meaning: 'correction of the p-values over the units of a layer, per contrast: Benjamini-Hochberg, Benjamini-Yekutieli, Bonferroni or none',
    choices: FDR_METHODS,
    default: 'bh',
    usedBy: ['pairwise-t', 'vs-rest', 'top-k', 'dprime'],
    docs: 'docs/method.md#fdr',
  },
  alpha: {
    kind: 'number',
    option: 'alpha',
    metavar: 'A',
    label: 'α',
    meaning: 'significance level: a unit is selective when every q is below it (t-test recipes); also the level of run comparisons',
    default: 0.05,
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
    usedBy: EVERY_RECIPE,
    docs: 'docs/method.md#alpha',
  },
  against: {
    kind: 'choice',
    option: 'against',
    label: 'Compare against',
    meaning: 'the categories a target is tested against: all others, the other targets, or the other targets and its own controls',
    choices: AGAINST,
    default: 'all',
    usedBy: ['pairwise-t', 'prince2024'],
    docs: 'docs/method.md#recipe-pairwise-t',
  },
  topk: {
    kind: 'number',
    option: 'topk',
    metavar: 'PCT',
    label: 'Top k %',
    meaning: 'percentage of units kept, strongest Welch t of the target against the rest first',
    default: 1,
    min: 0,
    max: 100,
    exclusiveMin: true,
    usedBy: ['top-k'],
    docs: 'docs/method.md#recipe-top-k',
  },
  topkScope: {
    kind: 'choice',
    option: 'topk-scope',
    label: 'Top k scope',
    meaning: 'where the top k % is taken: within each layer, or across all layers together',
    choices: TOPK_SCOPES,
    default: 'layer',
    choiceLabels: { layer: 'per layer', global: 'across layers' },
    usedBy: ['top-k'],
    docs: 'docs/method.md#recipe-top-k',
  },
  dprime: {
    kind: 'number',
    option: 'dprime',
    metavar: 'D',
    label: 'd′ threshold',
    meaning: "a unit is selective when its d' of the target against the rest is above this",
    default: 1,
    usedBy: ['dprime'],
    docs: 'docs/method.md#dprime',
  },
  ranksumP: {
    kind: 'number',
    option: 'ranksum-p',
    metavar: 'P',
    label: 'Rank-sum max p',
    meaning: 'a unit is selective when the largest Mann-Whitney p against the other categories is below this (no correction)',
    default: 0.001,
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
    usedBy: ['ranksum-maxp'],
    docs: 'docs/method.md#recipe-ranksum-maxp',
  },
  seed: {
    kind: 'number',
    option: 'seed',
    metavar: 'N',
    label: 'Seed',
    meaning: 'seed of the random parts of the run-level statistics (consistency baselines, run comparisons)',
    default: 0,
    min: 0,
    integer: true,
    usedBy: EVERY_RECIPE,
    docs: 'docs/method.md#consistency',
  },
} as const satisfies Record<string, RecipeParameter>;

type Parameters = typeof RECIPE_PARAMETERS;
export type RecipeParameterKey = keyof Parameters;
export const RECIPE_PARAMETER_KEYS = Object.keys(RECIPE_PARAMETERS) as RecipeParameterKey[];

/** The value type of a parameter: the union of its choices, or number. */
type ValueOf<P> = P extends { kind: 'choice'; choices: readonly (infer C)[] } ? C : number;

export type RecipeSettings = { recipe: RecipeName } & { -readonly [K in RecipeParameterKey]: ValueOf<Parameters[K]> };
export type RecipeInput = Partial<RecipeSettings>;

export interface RecipeSpec {
  /** One line: when a unit counts as selective. */
  readonly meaning: string;
  /** Its section in docs/method.md. */
  readonly docs: `docs/method.md#recipe-${string}`;
  /** Settings the recipe fixes whatever was asked (they are not offered for it). */
  readonly fixes?: Partial<Pick<RecipeSettings, 'variance' | 'fdr'>>;
  /** Needs per-image responses, not only the sufficient statistics (gathered in slices under the memory budget). */
  readonly perImage?: boolean;
}

export const RECIPE_TABLE = {
  'pairwise-t': {
    meaning: 'the target beats every compared category in its own two-sample t-test: t > 0 and q < α for each',
    docs: 'docs/method.md#recipe-pairwise-t',
  },
  prince2024: {
    meaning: 'pairwise-t with Student t-tests and Benjamini-Yekutieli correction (Prince, Alvarez & Konkle 2024)',
    docs: 'docs/method.md#recipe-prince2024',
    fixes: { variance: 'pooled', fdr: 'by' },
  },
  'vs-rest': {
    meaning: 'one Welch t-test of the target against all other images pooled: t > 0 and q < α',
    docs: 'docs/method.md#recipe-vs-rest',
  },
  'ranksum-maxp': {
    meaning: "the target is the unit's preferred category and every Mann-Whitney p against another category is below the threshold (Baek et al. 2021)",
    docs: 'docs/method.md#recipe-ranksum-maxp',
    perImage: true,
  },
  'top-k': {
    meaning: 'the top k % of units by the Welch t of the target against the rest, per layer or across layers (DeepLocalizer)',
    docs: 'docs/method.md#recipe-top-k',
  },
  dprime: {
    meaning: "d' of the target against the rest above a threshold (Brain-Score)",
    docs: 'docs/method.md#recipe-dprime',
  },
} as const satisfies Record<RecipeName, RecipeSpec>;

export function recipeSpec(recipe: RecipeName): RecipeSpec {
  return RECIPE_TABLE[recipe];
}

/** Whether the recipe needs per-image responses, not only the sufficient statistics (the table's perImage). */
export function needsPerImage(recipe: Pick<RecipeSettings, 'recipe'>): boolean {
  return recipeSpec(recipe.recipe).perImage === true;
}

/** Whether the recipe decides a layer's units only with every layer at hand (top-k over all layers). */
export function ranksAcrossLayers(recipe: Pick<RecipeSettings, 'recipe' | 'topkScope'>): boolean {
  return recipe.recipe === 'top-k' && recipe.topkScope === 'global';
}

/** Whether a recipe's results depend on a setting (the Run form shows only these). */
export function usesParameter(recipe: RecipeName, key: RecipeParameterKey): boolean {
  return (RECIPE_PARAMETERS[key].usedBy as readonly RecipeName[]).includes(recipe);
}

/** The settings a recipe uses, in table order. */
export function parametersOf(recipe: RecipeName): RecipeParameterKey[] {
  return RECIPE_PARAMETER_KEYS.filter((key) => usesParameter(recipe, key));
}

/** The settings as the recipe applies them: what it fixes replaces what was asked. */
export function effectiveSettings(settings: RecipeSettings): RecipeSettings {
  const fixes: RecipeSpec['fixes'] = recipeSpec(settings.recipe).fixes;
  return fixes ? { ...settings, ...fixes } : settings;
}

