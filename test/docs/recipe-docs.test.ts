// docs/recipes.md carries the recipe tables generated from the recipe table in the contract: this fails
// when someone changed the table without `npm run docs:recipes` (or edited the generated section by hand).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_FILE, recipeSection, withRecipeSection } from '../../resources/scripts/recipe-docs.ts';
import { RECIPE_PARAMETERS, RECIPE_TABLE, RECIPES } from '../../src-main/contract/recipe.ts';

describe('docs/recipes.md', () => {
  const text = readFileSync(DOCS_FILE, 'utf8');

  it('holds the tables generated from the recipe table (run npm run docs:recipes when this fails)', () => {
    expect(withRecipeSection(text)).toBe(text);
    expect(text).toContain(recipeSection());
  });

  it('names every recipe with its method.md anchor and every setting with its CLI option', () => {
    for (const name of RECIPES) {
      expect(RECIPE_TABLE[name].docs).toBe(`docs/method.md#recipe-${name}`);
      expect(text).toContain(`(method.md#recipe-${name})`);
    }
    for (const p of Object.values(RECIPE_PARAMETERS)) expect(text).toContain(`| \`--${p.option}\` |`);
  });

  it('links only to sections docs/method.md has', () => {
    const method = readFileSync(resolve(dirname(DOCS_FILE), 'method.md'), 'utf8');
    const anchors = [...Object.values(RECIPE_TABLE), ...Object.values(RECIPE_PARAMETERS)].map((entry) => entry.docs.split('#')[1]!);
    for (const anchor of anchors) expect(method, anchor).toContain(`<a id="${anchor}"></a>`);
  });

  it('refuses a file whose markers are gone rather than appending a second table', () => {
    expect(() => withRecipeSection('# no markers here\n')).toThrow(/markers of the recipe tables are missing/);
  });
});
