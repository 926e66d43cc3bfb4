// Writes the recipe tables of docs/recipes.md from the recipe table in src-main/contract/recipe.ts (between
// the markers), so the docs name the same recipes, settings, defaults and ranges as the CLI help and the
// Run form. `npm run docs:recipes` rewrites the file; test/docs/recipe-docs.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rangeFormula } from '../../src-main/contract/fields.ts';
import { DEFAULT_RECIPE, parametersOf, RECIPE_PARAMETER_KEYS, RECIPE_PARAMETERS, RECIPE_TABLE, RECIPES, type RecipeParameter } from '../../src-main/contract/recipe.ts';

export const DOCS_FILE = resolve(fileURLToPath(new URL('../../docs/recipes.md', import.meta.url)));
const START = '<!-- recipe-table:start (written by npm run docs:recipes from src-main/contract/recipe.ts; do not edit) -->';
const END = '<!-- recipe-table:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');
/** A docs/ path as a link from docs/recipes.md. */
const relative = (docsPath: string) => docsPath.replace(/^docs\//, '');
const code = (text: string) => `\`${text}\``;

function recipesTable(): string[] {
  const rows = RECIPES.map((name) => {
    const spec = RECIPE_TABLE[name];
    const fixed = 'fixes' in spec ? `; fixes ${Object.entries(spec.fixes).map(([k, v]) => `${k} = ${v}`).join(', ')}` : '';
    const settings = parametersOf(name).map((k) => code(RECIPE_PARAMETERS[k].option)).join(', ');
    return `| ${code(name)}${name === DEFAULT_RECIPE ? ' (default)' : ''} | ${cell(spec.meaning)} | ${settings}${fixed} | [method](${relative(spec.docs)}) |`;
  });
  return ['| recipe | a unit is selective when | settings it uses | details |', '|---|---|---|---|', ...rows];
}

function valueText(p: RecipeParameter): string {
  return p.kind === 'choice' ? p.choices.map(code).join(', ') : code(rangeFormula(p, p.metavar));
}

function settingsTable(): string[] {
  const rows = RECIPE_PARAMETER_KEYS.map((key) => {
    const p: RecipeParameter = RECIPE_PARAMETERS[key];
    const usedBy = p.usedBy.length === RECIPES.length ? 'every recipe' : p.usedBy.map(code).join(', ');
    return `| ${code(`--${p.option}`)} | ${cell(p.label)} | ${cell(valueText(p))} | ${code(String(p.default))} | ${usedBy} | ${cell(p.meaning)} | [method](${relative(p.docs)}) |`;
  });
  return ['| CLI option | Run form | values | default | used by | meaning | details |', '|---|---|---|---|---|---|---|', ...rows];
}

/** The generated section, markers included. */
export function recipeSection(): string {
  return [START, '', '### Recipes', '', ...recipesTable(), '', '### Settings', '', ...settingsTable(), '', END].join('\n');
}

/** `text` with its marked section replaced by the current tables. */
export function withRecipeSection(text: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOCS_FILE}: the markers of the recipe tables are missing (${START} ... ${END})`);
  return text.slice(0, start) + recipeSection() + text.slice(end + END.length);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = readFileSync(DOCS_FILE, 'utf8');
  const after = withRecipeSection(before);
  writeFileSync(DOCS_FILE, after);
  process.stdout.write(after === before ? `${DOCS_FILE}: up to date\n` : `${DOCS_FILE}: recipe tables rewritten\n`);
}
