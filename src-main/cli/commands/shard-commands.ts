// Sharded runs for clusters: `bundle` a project for the nodes, `run --shard I/N` on each node (reached
// through the `run` command), `merge` the partial files into one run, `merge --status` to see which
// shards exist. resources/slurm/ has job-array templates; docs/cluster.md walks through an example.
import { defineCommand, type Command } from '../command.ts';
import { parseListOption, UsageError } from '../io.ts';
import { EXECUTION_PROVIDERS } from '../../contract/recipe.ts';
import type { ShardStatus } from '../../contract/shard-types.ts';
import { EXECUTION_OPTIONS, executionFrom, RECIPE_OPTIONS, RECIPE_USAGE, recipeFrom } from './recipe-options.ts';

const bundleUsage = `usage: unitscope bundle PROJECT --model NAME --out DIR [--reference] [--layers LIST] [recipe options] [--json]

Writes a self-contained folder for cluster nodes: bundle.json (model sha256, preprocessing, taps,
categories, recipe and every image's sha256), a copy of the model and a copy of the stimuli. With
--reference the stimuli stay where they are and bundle.json names their absolute paths (for nodes that
share the file system). Then run one shard per node: unitscope run DIR --shard I/N --out FILE.partial

${RECIPE_USAGE}`;

export const bundleCommand = defineCommand({
  name: 'bundle',
  summary: 'a self-contained folder for running shards on cluster nodes',
  usage: bundleUsage,
  options: { ...RECIPE_OPTIONS, model: { type: 'string' }, out: { type: 'string' }, reference: { type: 'boolean' }, layers: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('bundle: expected one PROJECT', usage);
    if (values.model === undefined) throw new UsageError('bundle: --model NAME is required', usage);
    if (values.out === undefined) throw new UsageError('bundle: --out DIR is required', usage);
    const layers = parseListOption(values.layers);
    const result = await client.call(
      'shard.bundle',
      { path: positionals[0]!, model: values.model, out: values.out, reference: values.reference === true, recipe: recipeFrom(values, usage), ...(layers ? { layers } : {}) },
      longCall,
    );
    output.result(result, () => `bundle ${result.dir}: model ${result.model.name}, ${result.images} images (${result.stimuli}), ${(result.bytes / 1e6).toFixed(1)} MB`);
  },
});

const shardUsage = `usage: unitscope run BUNDLE --shard I/N --out FILE.partial [--ep ${EXECUTION_PROVIDERS.join('|')}] [--batch N] [--memory-budget MIB] [--json]
       unitscope run PROJECT --shard I/N --out FILE.partial --model NAME [--layers LIST] [recipe options] [...]

Computes shard I of N (1 <= I <= N): a fixed, balanced subset of the run's images. Writes their
sufficient statistics with the plan's hashes to FILE.partial; merge the N files with
unitscope merge PROJECT FILE.partial...
--batch and --memory-budget: as for a local run (unitscope run --help).

${RECIPE_USAGE}`;

/** `run ... --shard I/N`: the run command hands its arguments here when --shard is given. */
export const runShardCommand = defineCommand({
  name: 'run',
  summary: 'one shard of a sharded run',
  usage: shardUsage,
  options: { ...RECIPE_OPTIONS, ...EXECUTION_OPTIONS, shard: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, layers: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('run --shard: expected one BUNDLE folder or PROJECT', usage);
    const match = /^(\d+)\/(\d+)$/.exec(values.shard ?? '');
    if (!match) throw new UsageError(`--shard must look like I/N (e.g. 2/8), got '${values.shard ?? ''}'`, usage);
    const shard = { index: Number(match[1]), count: Number(match[2]) };
    if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) throw new UsageError(`--shard ${values.shard}: I must be between 1 and N`, usage);
    if (values.out === undefined) throw new UsageError('run --shard: --out FILE.partial is required', usage);
    const execution = executionFrom(values, usage);
    const layers = parseListOption(values.layers);
    const recipe = recipeFrom(values, usage);
    const result = await client.call(
      'shard.run',
      {
        source: positionals[0]!,
        shard,
        out: values.out,
        ...(values.model !== undefined ? { model: values.model } : {}),
        ...(layers ? { layers } : {}),
        ...(Object.keys(recipe).length > 0 ? { recipe } : {}),
        ...execution,
      },
      longCall,
    );
    output.result(result, () => `shard ${result.shard.index}/${result.shard.count}: ${result.images} images on ${result.provider} in ${result.seconds.toFixed(1)} s -> ${result.file}`);
  },
});

const mergeUsage = `usage: unitscope merge PROJECT FILE.partial|DIR... [--json]
       unitscope merge PROJECT --status [FILE.partial|DIR...] [--json]

Checks that the partial files (or the .partial files in DIR) come from this project's model, stimuli
and settings, from one split, cover every image exactly once and are intact; refuses otherwise, naming
the file. Then stores them as one run (printed as {"run": ID, ...} with --json), analysed as if it had
run locally; its manifest lists the shards with their hosts and providers.
--status only reports which shards exist (default: the .partial files in the current folder).`;

function describeStatus(status: ShardStatus): string {
  const lines: string[] = [];
  if (status.count === null) {
    lines.push('no usable partial files');
  } else {
    const ranges = (ids: number[]) => (ids.length > 0 ? ids.join(', ') : 'none');
    lines.push(
      `shards of ${status.count}: present ${ranges(status.present)}; missing ${ranges(status.missing)}${status.duplicated.length > 0 ? `; duplicated ${ranges(status.duplicated)}` : ''}; ${status.images.covered} of ${status.images.total} images${status.complete ? ' (complete: ready to merge)' : ''}`,
    );
  }
  for (const f of status.files) {
    if (f.status === 'ok') lines.push(`  shard ${f.shard!.index}/${f.shard!.count}  ${f.images} images  ${f.host}  ${f.provider}  ${f.seconds!.toFixed(1)} s  ${f.file}`);
    else lines.push(`  ${f.status}: ${f.problem}`);
  }
  return lines.join('\n');
}

export const mergeCommand = defineCommand({
  name: 'merge',
  summary: 'merge the .partial files of a sharded run into one run (or --status)',
  usage: mergeUsage,
  options: { status: { type: 'boolean' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    const [path, ...files] = positionals;
    if (path === undefined) throw new UsageError('merge: expected PROJECT and the partial files', usage);
    if (values.status) {
      const status = await client.call('shard.status', { path, files: files.length > 0 ? files : [process.cwd()] });
      output.result(status, () => describeStatus(status));
      return;
    }
    if (files.length === 0) throw new UsageError('merge: give the .partial files (or their folder)', usage);
    const result = await client.call('shard.merge', { path, files }, longCall);
    output.result(result, () => `run ${result.run} finished: ${result.images} images from ${result.shards.length} shards (${[...new Set(result.shards.map((s) => s.host))].join(', ')})`);
  },
});

export const SHARD_COMMANDS: readonly Command[] = [bundleCommand, mergeCommand];
