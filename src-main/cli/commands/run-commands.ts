// run, reanalyze, results, consistency, compare and export: the analysis commands. Each goes through
// the contract like the desktop app does; long ones show progress on stderr and stop on Ctrl-C.
import { defineCommand, type Command } from '../command.ts';
import { oneOf, parseListOption, parseNumberOption, UsageError } from '../io.ts';
import { EXECUTION_PROVIDERS, STATS_PRECISIONS, type StatsPrecision } from '../../contract/recipe.ts';
import { BATCH, DEFAULT_MEMORY_BUDGET_MB, MEMORY_BUDGET_MB, rangeFormula } from '../../contract/fields.ts';
import type { ResultsTable } from '../../contract/types.ts';
import { EXECUTION_OPTIONS, executionFrom, RECIPE_OPTIONS, RECIPE_USAGE, recipeFrom } from './recipe-options.ts';
import { compareCommand } from './compare-command.ts';
import { runShardCommand } from './shard-commands.ts';

function requireProject(positionals: string[], command: string, usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command}: expected one PROJECT`, usage);
  return positionals[0]!;
}

const runUsage = `usage: unitscope run PROJECT --model NAME [recipe options] [--layers LIST] [--ep ${EXECUTION_PROVIDERS.join('|')}] [--batch N]
                     [--precision ${STATS_PRECISIONS.join('|')}] [--memory-budget MIB] [--json]
       unitscope run PROJECT --resume ID [--json]
       unitscope run BUNDLE_OR_PROJECT --shard I/N --out FILE.partial [...]   (one shard of a cluster run; see --shard --help)

Extracts sufficient statistics for every image of the project, analyses them and stores the results.
Prints the run id ({"run": ID, ...} with --json). An interrupted run continues with --resume ID, with the
settings it started with.
--batch: images per runtime call (${rangeFormula(BATCH, 'N')}; default: 1 on the CPU, else from the memory budget).
--precision: float64 (default) merges every activation on the host in float64, exact to docs/method.md#sufficient-statistics's 1e-9;
float32 sums them inside the graph in float32 (variances within ~1e-6), so far less data leaves a GPU.
--memory-budget: MiB the run sizes its batches, merge groups and per-image gathers to
(${rangeFormula(MEMORY_BUDGET_MB, 'MIB')}; default ${DEFAULT_MEMORY_BUDGET_MB}).

${RECIPE_USAGE}`;

const localRunCommand = defineCommand({
  name: 'run',
  summary: 'run an analysis of a model on the project stimuli (or --resume one)',
  usage: runUsage,
  options: { ...RECIPE_OPTIONS, ...EXECUTION_OPTIONS, model: { type: 'string' }, resume: { type: 'string' }, layers: { type: 'string' }, precision: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    const path = requireProject(positionals, 'run', usage);
    const resume = parseNumberOption(values.resume, 'resume', usage);
    if (resume !== undefined) {
      if (values.model !== undefined) throw new UsageError('run: --resume continues a run with its own model and recipe; drop --model', usage);
      const result = await client.call('run.resume', { path, run: resume }, longCall);
      output.result(result, () => `run ${result.run} ${result.status}`);
      return;
    }
    if (values.model === undefined) throw new UsageError('run: --model NAME is required (or --resume ID)', usage);
    const precision = oneOf<StatsPrecision>(values.precision, STATS_PRECISIONS, 'precision', usage);
    const layers = parseListOption(values.layers);
    const result = await client.call(
      'run.start',
      { path, model: values.model, recipe: recipeFrom(values, usage), ...executionFrom(values, usage), ...(layers ? { layers } : {}), ...(precision ? { precision } : {}) },
      longCall,
    );
    output.result(result, () => `run ${result.run} ${result.status}`);
  },
});

/** `run`: a local run, or with --shard one shard of a sharded run (its own options and usage, in the shards module). */
export const runCommand: Command = {
  ...localRunCommand,
  run: (argv, ctx) => (argv.some((a) => a === '--shard' || a.startsWith('--shard=')) ? runShardCommand : localRunCommand).run(argv, ctx),
};

const reanalyzeUsage = `usage: unitscope reanalyze PROJECT --run ID [recipe options] [--json]

Makes a new run from the stored sufficient statistics of run ID with other recipe settings (no inference).

${RECIPE_USAGE}`;

export const reanalyzeCommand = defineCommand({
  name: 'reanalyze',
  summary: 'a new run from stored statistics with another recipe (no inference)',
  usage: reanalyzeUsage,
  options: { ...RECIPE_OPTIONS, run: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    const path = requireProject(positionals, 'reanalyze', usage);
    const run = parseNumberOption(values.run, 'run', usage);
    if (run === undefined) throw new UsageError('reanalyze: --run ID is required', usage);
    const result = await client.call('run.reanalyze', { path, run, recipe: recipeFrom(values, usage) }, longCall);
    output.result(result, () => `run ${result.run} finished (from run ${run})`);
  },
});

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? 'NaN' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

function describeTable(table: ResultsTable): string {
  const keys = [...new Set(table.rows.flatMap((r) => Object.keys(r.metrics)))].sort();
  const header = ['layer', 'category', 'units', 'selective', 'proportion', ...keys];
  const rows = table.rows.map((r) => [r.layer, r.category, String(r.units), String(r.selective), fmt(r.proportion, 4), ...keys.map((k) => fmt(r.metrics[k]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    `run ${table.run.id}: ${table.run.model}, ${table.run.recipe.recipe} (alpha ${table.run.recipe.alpha})`,
    `images per category: ${table.images.map((c) => `${c.category} ${c.n}`).join(', ')}`,
    ...table.warnings.map((w) => `warning: ${w}`),
    line(header),
    ...rows.map(line),
  ].join('\n');
}

export const resultsCommand = defineCommand({
  name: 'results',
  summary: 'the layer x category results table of a run',
  usage: 'usage: unitscope results PROJECT [--run ID] [--json]\n\nThe layer x category table with every layer metric (latest finished run by default).',
  options: { run: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    const path = requireProject(positionals, 'results', usage);
    const run = parseNumberOption(values.run, 'run', usage);
    const table = await client.call('results.table', { path, ...(run !== undefined ? { run } : {}) });
    output.result(table, () => describeTable(table));
  },
});

export const consistencyCommand = defineCommand({
  name: 'consistency',
  summary: 'representational consistency across layers of a run',
  usage: 'usage: unitscope consistency PROJECT --run ID [--category NAME] [--json]\n\nLayer x layer representational consistency matrices per category, with the all-units baseline.',
  options: { run: { type: 'string' }, category: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    const path = requireProject(positionals, 'consistency', usage);
    const run = parseNumberOption(values.run, 'run', usage);
    if (run === undefined) throw new UsageError('consistency: --run ID is required', usage);
    const result = await client.call('results.consistency', { path, run, ...(values.category ? { category: values.category } : {}) }, longCall);
    output.result(result, () =>
      Object.entries(result.summary)
        .map(([name, s]) => `${name.padEnd(16)} mean ${fmt(s.mean)}  adjacent ${fmt(s.adjacent)}`)
        .join('\n'),
    );
  },
});

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'export a run for Python or R (csv, parquet, npz)',
  usage: 'usage: unitscope export PROJECT --run ID --format csv|parquet|npy [--out DIR] [--layers LIST] [--json]\n\nWrites units.*, layers.*, manifest.json, load.py and load.R.',
  options: { run: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, layers: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    const path = requireProject(positionals, 'export', usage);
    const run = parseNumberOption(values.run, 'run', usage);
    if (run === undefined) throw new UsageError('export: --run ID is required', usage);
    const format = oneOf(values.format, ['csv', 'parquet', 'npy'] as const, 'format', usage);
    if (!format) throw new UsageError('export: --format csv|parquet|npy is required', usage);
    const layers = parseListOption(values.layers);
    const result = await client.call('export.run', { path, run, format, ...(values.out ? { out: values.out } : {}), ...(layers ? { layers } : {}) }, longCall);
    output.result(result, () => result.files.join('\n'));
  },
});

export const RUN_COMMANDS: readonly Command[] = [runCommand, reanalyzeCommand, resultsCommand, consistencyCommand, compareCommand, exportCommand];
