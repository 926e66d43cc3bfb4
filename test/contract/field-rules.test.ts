// The recipe table and the field rules: the schema derived from the table has the table's defaults and
// ranges, every rule's schema, form check and CLI words agree, and the messages are human (no zod
// "expected number, received null").
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../../src-main/contract/index.ts';
import { labCatalogue } from '../../src-main/engine/models/lab-catalogue.ts';
import { BATCH, MEMORY_BUDGET_MB, numberProblem, numberSchema, rangeFormula, rangeText, SHA256, textProblem, textSchema, type NumberRule } from '../../src-main/contract/fields.ts';
import {
  defaultRecipe,
  effectiveSettings,
  parametersOf,
  RECIPE_PARAMETER_KEYS,
  RECIPE_PARAMETERS,
  RECIPE_TABLE,
  RECIPES,
  recipeSchema,
  type NumberParameter,
  type RecipeParameter,
} from '../../src-main/contract/recipe.ts';

const issuesOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));

describe('the recipe table', () => {
  it('gives the schema its defaults (the method.md defaults runs were always stored with)', () => {
    // The stored runs' settings keep their values (a new setting adds a key, with a default).
    expect(defaultRecipe).toMatchObject({ recipe: 'pairwise-t', variance: 'pooled', fdr: 'bh', alpha: 0.05, against: 'all', topk: 1, topkScope: 'layer', dprime: 1, ranksumP: 0.001, seed: 0 });
    for (const key of RECIPE_PARAMETER_KEYS) expect(defaultRecipe[key]).toBe(RECIPE_PARAMETERS[key].default);
    // Stored recipes are JSON in the table's key order: the order is part of the file format.
    expect(Object.keys(defaultRecipe)).toEqual(['recipe', ...RECIPE_PARAMETER_KEYS]);
  });

  it('names only known recipes, unique CLI options, and a default inside its own range', () => {
    const options = RECIPE_PARAMETER_KEYS.map((k) => RECIPE_PARAMETERS[k].option);
    expect(new Set(options).size).toBe(options.length);
    for (const key of RECIPE_PARAMETER_KEYS) {
      const p: RecipeParameter = RECIPE_PARAMETERS[key];
      expect(p.usedBy.length).toBeGreaterThan(0);
      for (const r of p.usedBy) expect(RECIPES).toContain(r);
      if (p.kind === 'number') expect(numberProblem(p, p.default)).toBeNull();
      else expect(p.choices).toContain(p.default);
    }
  });

  it('offers prince2024 neither the variance nor the correction it fixes', () => {
    expect(parametersOf('prince2024')).not.toContain('variance');
    expect(parametersOf('prince2024')).not.toContain('fdr');
    expect(effectiveSettings({ ...defaultRecipe, recipe: 'prince2024', variance: 'welch', fdr: 'none' })).toMatchObject({ variance: 'pooled', fdr: 'by' });
    expect(parametersOf('pairwise-t')).toContain('against');
    expect(parametersOf('prince2024')).toContain('against');
    expect(parametersOf('vs-rest')).not.toContain('against');
    expect(parametersOf('ranksum-maxp')).toContain('ranksumP');
    expect(RECIPE_TABLE['ranksum-maxp']).toMatchObject({ perImage: true });
  });

  it('refuses out-of-range and empty settings with the rule in words, naming the field', () => {
    const alpha = RECIPE_PARAMETERS.alpha as NumberParameter;
    for (const bad of [2, 0, 1, -0.1, null, Number.NaN, 'x']) {
      expect(issuesOf(recipeSchema.partial().safeParse({ alpha: bad }))).toEqual([{ path: 'alpha', message: 'α must be a number greater than 0 and less than 1' }]);
    }
    expect(numberProblem(alpha, 0.5)).toBeNull();
    expect(issuesOf(recipeSchema.partial().safeParse({ topk: 100 }))).toEqual([]);
    expect(issuesOf(recipeSchema.partial().safeParse({ topk: 100.5 }))).toEqual([{ path: 'topk', message: 'Top k % must be a number greater than 0 and at most 100' }]);
    expect(issuesOf(recipeSchema.partial().safeParse({ seed: 1.5 }))).toEqual([{ path: 'seed', message: 'Seed must be a whole number, 0 or more' }]);
    expect(issuesOf(recipeSchema.partial().safeParse({ fdr: 'holm' }))).toEqual([{ path: 'fdr', message: 'Multiple comparisons must be bh, by, bonferroni or none' }]);
    expect(issuesOf(recipeSchema.partial().safeParse({ recipe: 'magic' }))).toEqual([{ path: 'recipe', message: 'the recipe must be pairwise-t, prince2024, vs-rest, ranksum-maxp, top-k or dprime' }]);
  });

  it('leaves the settings a call does not give absent, so a reanalysis keeps its source run\'s', () => {
    expect(api['run.reanalyze'].args.parse({ path: 'p.unitscope', run: 1, recipe: { alpha: 0.01 } }).recipe).toEqual({ alpha: 0.01 });
    expect(recipeSchema.parse({ alpha: 0.01 })).toEqual({ ...defaultRecipe, alpha: 0.01 });
  });

  it("checks run.start's recipe, batch and memory budget with the same rules", () => {
    const args = api['run.start'].args;
    const result = args.safeParse({ path: 'p.unitscope', model: 'm', recipe: { alpha: null, ranksumP: 0.5 }, batch: 0, memoryBudgetMB: -5 });
    expect(issuesOf(result)).toEqual([
      { path: 'recipe.alpha', message: 'α must be a number greater than 0 and less than 1' },
      { path: 'batch', message: 'the batch must be a whole number from 1 to 1024' },
      { path: 'memoryBudgetMB', message: 'the memory budget must be a whole number from 256 to 262144 MiB' },
    ]);
    expect(args.safeParse({ path: 'p.unitscope', model: 'm', batch: 1024, memoryBudgetMB: 256 }).success).toBe(true);
    expect(api['analysis.reliability'].args.safeParse({ path: 'p.unitscope', run: 1, memoryBudgetMB: 255 }).success).toBe(false);
    expect(api['shard.run'].args.safeParse({ source: 'b', shard: { index: 1, count: 2 }, out: 'x.partial', memoryBudgetMB: 4096 }).success).toBe(true);
  });
});

describe('field rules', () => {
  const cases: [NumberRule, number[], number[]][] = [
    [BATCH, [1, 8, 1024], [0, -1, 1.5, 1025]],
    [MEMORY_BUDGET_MB, [256, 1024, 262144], [-1024, 0, 255, 300.5, 262145]],
    [{ label: 'x', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, [0.001, 0.999], [0, 1, Infinity]],
    [{ label: 'x' }, [-1e9, 0, 3.5], [Infinity, -Infinity]],
  ];
  it.each(cases)('%o: the schema and the form check agree', (rule, good, bad) => {
    const schema = numberSchema(rule);
    for (const v of good) {
      expect(schema.safeParse(v).success).toBe(true);
      expect(numberProblem(rule, v)).toBeNull();
    }
    for (const v of [...bad, null, Number.NaN]) {
      expect(schema.safeParse(v).success).toBe(false);
      expect(numberProblem(rule, v)).toBe(`${rule.label} must be ${rangeText(rule)}`);
      expect(issuesOf(schema.safeParse(v))[0]!.message).toBe(numberProblem(rule, v));
    }
  });

  it('words and formulas for the help texts', () => {
    expect(rangeText(BATCH)).toBe('a whole number from 1 to 1024');
    expect(rangeFormula(BATCH, 'N')).toBe('1 <= N <= 1024, whole');
    expect(rangeText(MEMORY_BUDGET_MB)).toBe('a whole number from 256 to 262144 MiB');
    expect(rangeFormula(RECIPE_PARAMETERS.alpha as NumberParameter, 'A')).toBe('0 < A < 1');
    expect(rangeText({ label: 'x', min: 0, integer: true })).toBe('a whole number, 0 or more');
    expect(rangeText({ label: 'x' })).toBe('a number');
  });

  it('takes a real sha256 (either case, surrounding spaces) and refuses anything else', () => {
    const hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    for (const good of [hash, hash.toUpperCase(), ` ${hash} `, '']) expect(textProblem(SHA256, good)).toBeNull();
    for (const bad of [hash.slice(1), `${hash}0`, hash.replace('e', 'g'), '64']) expect(textProblem(SHA256, bad)).toBe('sha256 must be 64 hexadecimal digits (0-9, a-f)');
    expect(textSchema(SHA256).safeParse(hash).success).toBe(true);
    // model.download no longer takes a sha256 (the catalogue pins it); a lab's own catalogue is where one is typed now.
    const labFile = join(mkdtempSync(join(tmpdir(), 'unitscope-lab-')), 'lab.json');
    writeFileSync(labFile, JSON.stringify([{ name: 'x', title: 'x', licence: 'x', url: 'https://example.org/m.onnx', sha256: 'abc', approxBytes: 1, format: 'onnx', preset: 'imagenet', inputName: 'input', outputName: 'out' }]));
    expect(() => labCatalogue({ UNITSCOPE_CATALOGUE: labFile })).toThrow(`${labFile}: entry 0.sha256: sha256 must be 64 hexadecimal digits (0-9, a-f)`);
  });
});
