// The recipe options of every command that analyses a run (run, reanalyze, bundle, run --shard), derived
// from the recipe table in contract/recipe.ts: one option per setting, its help lines and its check, so
// a setting added to the table is on the command line with no edit here. Also how a run executes
// (--ep, --batch, --memory-budget), checked with the contract's rules.
import { BATCH, MEMORY_BUDGET_MB, rangeFormula } from '../../contract/fields.ts';
import {
  DEFAULT_RECIPE,
  EXECUTION_PROVIDERS,
  RECIPE_PARAMETER_KEYS,
  RECIPE_PARAMETERS,
  RECIPE_TABLE,
  RECIPES,
  type ExecutionProviderChoice,
  type RecipeInput,
  type RecipeParameter,
  type RecipeParameterKey,
} from '../../contract/recipe.ts';
import { oneOf, parseRuleOption } from '../io.ts';

type RecipeOptionName = 'recipe' | (typeof RECIPE_PARAMETERS)[RecipeParameterKey]['option'];

const parameter = (key: RecipeParameterKey): RecipeParameter => RECIPE_PARAMETERS[key];

/** node:util parseArgs options: --recipe and one string option per setting. */
export const RECIPE_OPTIONS = Object.fromEntries([
  ['recipe', { type: 'string' }],
  ...RECIPE_PARAMETER_KEYS.map((key) => [parameter(key).option, { type: 'string' }]),
]) as { readonly [K in RecipeOptionName]: { readonly type: 'string' } };

/** The settings given on the command line, each checked against its rule (a usage error otherwise). */
export function recipeFrom(values: Partial<Record<RecipeOptionName, string | undefined>>, usage: string): RecipeInput {
  const recipe: Record<string, unknown> = {};
  const name = oneOf(values.recipe, RECIPES, 'recipe', usage);
  if (name) recipe.recipe = name;
  for (const key of RECIPE_PARAMETER_KEYS) {
    const p = parameter(key);
    const raw = values[p.option as RecipeOptionName];
    if (raw === undefined) continue;
    recipe[key] = p.kind === 'choice' ? oneOf(raw, p.choices, p.option, usage) : parseRuleOption(raw, p, p.option, usage);
  }
  return recipe as RecipeInput;
}

function usedByText(p: RecipeParameter): string {
  return p.usedBy.length === RECIPES.length ? 'every recipe' : p.usedBy.join(', ');
}

function optionHelp(key: RecipeParameterKey): string[] {
  const p = parameter(key);
  const value = p.kind === 'choice' ? p.choices.join('|') : p.metavar;
  const range = p.kind === 'number' ? `; ${rangeFormula(p, p.metavar)}` : '';
  return [`${`  --${p.option} ${value}`.padEnd(31)} default ${p.default}${range}; ${usedByText(p)}`, `      ${p.meaning}`];
}

export const RECIPE_USAGE = [
  `recipes (--recipe NAME, default ${DEFAULT_RECIPE}; docs/recipes.md):`,
  ...RECIPES.map((r) => `  ${r.padEnd(14)} ${RECIPE_TABLE[r].meaning}`),
  'recipe settings (default; range; the recipes that use it):',
  ...RECIPE_PARAMETER_KEYS.flatMap(optionHelp),
].join('\n');

/** How a run executes: run, run --shard and reliability. */
export const EXECUTION_OPTIONS = { ep: { type: 'string' }, batch: { type: 'string' }, 'memory-budget': { type: 'string' } } as const;

export interface Execution {
  provider?: ExecutionProviderChoice;
  batch?: number;
  memoryBudgetMB?: number;
}

/** The execution options given, each checked against its rule; absent ones stay absent (the engine's defaults). */
export function executionFrom(values: Partial<Record<keyof typeof EXECUTION_OPTIONS, string | undefined>>, usage: string): Execution {
  const provider = oneOf<ExecutionProviderChoice>(values.ep, EXECUTION_PROVIDERS, 'ep', usage);
  const batch = parseRuleOption(values.batch, BATCH, 'batch', usage);
  const memoryBudgetMB = parseRuleOption(values['memory-budget'], MEMORY_BUDGET_MB, 'memory-budget', usage);
  return { ...(provider ? { provider } : {}), ...(batch !== undefined ? { batch } : {}), ...(memoryBudgetMB !== undefined ? { memoryBudgetMB } : {}) };
}
