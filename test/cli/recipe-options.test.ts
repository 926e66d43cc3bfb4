// The recipe options and the field rules on the real command line: every setting of the recipe table is
// an option of run, reanalyze, bundle and run --shard; values out of range are usage errors in the rule's
// words (the Run form says the same); the rank-sum threshold and the memory budget reach the run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECIPE_PARAMETERS, RECIPES } from '../../src-main/contract/recipe.ts';
import { Project } from '../../src-main/engine/project.ts';
import { readRunManifest } from '../../src-main/engine/storage/runs-store.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { runCli } from '../support/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-cli-recipes-'));
const project = join(dir, 'tiny.unitscope');

beforeAll(async () => {
  await makeTinyProject(project, 6, 3);
}, 60_000);

describe('recipe options on the command line', () => {
  it('every command that analyses lists every recipe and every setting of the table', () => {
    for (const args of [['run', '--help'], ['reanalyze', '--help'], ['bundle', '--help'], ['run', 'x', '--shard', '1/2', '--help']]) {
      const result = runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      for (const r of RECIPES) expect(result.stdout).toMatch(new RegExp(`^  ${r} `, 'm'));
      for (const p of Object.values(RECIPE_PARAMETERS)) expect(result.stdout, `${args.join(' ')}: --${p.option}`).toMatch(new RegExp(`^  --${p.option} .*default ${p.default}`, 'm'));
    }
  });

  it.each([
    [['--alpha', '2'], "--alpha must be a number greater than 0 and less than 1; got '2'"],
    [['--alpha', '0'], "--alpha must be a number greater than 0 and less than 1; got '0'"],
    [['--ranksum-p', 'small'], "--ranksum-p must be a number greater than 0 and less than 1; got 'small'"],
    [['--topk', '150'], "--topk must be a number greater than 0 and at most 100; got '150'"],
    [['--batch', '0'], "--batch must be a whole number from 1 to 1024; got '0'"],
    [['--memory-budget=-512'], "--memory-budget must be a whole number from 256 to 262144 MiB; got '-512'"],
    [['--fdr', 'holm'], "--fdr must be one of bh, by, bonferroni, none; got 'holm'"],
  ])('run %j is a usage error that says the range', (args, message) => {
    const result = runCli(['run', project, '--model', 'tiny', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`unitscope: ${message}`);
    expect(result.stderr).toContain('usage: unitscope run');
  });

  it('refuses the same values on bundle, run --shard and reliability', () => {
    expect(runCli(['bundle', project, '--model', 'tiny', '--out', join(dir, 'b'), '--alpha', '1']).stderr).toContain("--alpha must be a number greater than 0 and less than 1; got '1'");
    expect(runCli(['run', project, '--shard', '1/2', '--out', join(dir, 's.partial'), '--model', 'tiny', '--memory-budget', '100']).stderr).toContain(
      "--memory-budget must be a whole number from 256 to 262144 MiB; got '100'",
    );
    expect(runCli(['reliability', project, '--run', '1', '--memory-budget', '0']).code).toBe(2);
  });

  it('runs ranksum-maxp with --ranksum-p under --memory-budget, and reanalyses with another recipe', () => {
    const run = runCli(['run', project, '--model', 'tiny', '--recipe', 'ranksum-maxp', '--ranksum-p', '0.01', '--memory-budget', '512', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const id = (JSON.parse(run.stdout) as { run: number }).run;
    const table = JSON.parse(runCli(['results', project, '--run', String(id), '--json']).stdout) as { run: { recipe: Record<string, unknown> } };
    expect(table.run.recipe).toMatchObject({ recipe: 'ranksum-maxp', ranksumP: 0.01 });
    const p = Project.open(project);
    try {
      expect(readRunManifest(p.db, id)!.execution.memoryBudgetMB).toBe(512);
    } finally {
      p.close();
    }
    const again = runCli(['reanalyze', project, '--run', String(id), '--recipe', 'vs-rest', '--alpha', '0.01', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(runCli(['results', project, '--run', String((JSON.parse(again.stdout) as { run: number }).run), '--json']).stdout) as { run: { recipe: Record<string, unknown> } };
    // The other settings come from the source run.
    expect(second.run.recipe).toMatchObject({ recipe: 'vs-rest', alpha: 0.01, ranksumP: 0.01 });
  }, 180_000);
});
