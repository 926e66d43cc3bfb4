import { defineCommand } from '../command.ts';
import { parseNumberOption, UsageError } from '../io.ts';
import { proportionTable } from '../proportion-table.ts';

const usage = `usage: unitscope demo [--out DIR] [--seed N] [--json]

The built-in demo, no download: creates DIR/demo.unitscope (default DIR: ./unitscope-demo) with a
procedural localizer set (faces, bodies, scenes, words, scrambled_scenes, scrambled_words), a small CNN
the app generates, runs extraction and the default pairwise-t recipe, stores the results and prints the
layer x category table of selective-unit proportions. An earlier demo in DIR is replaced.`;

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'build and run the built-in demo project (no download)',
  usage,
  options: { out: { type: 'string' }, seed: { type: 'string' } },
  async run({ values, positionals, output, longCall }, { client }) {
    if (positionals.length > 0) throw new UsageError(`demo: unexpected argument '${positionals[0]}'`, usage);
    const seed = parseNumberOption(values.seed, 'seed', usage) ?? 0;
    if (seed < 0) throw new UsageError('--seed must be 0 or more', usage);
    const result = await client.call('demo.create', { out: values.out ?? 'unitscope-demo', seed }, longCall);
    output.endProgress();
    output.result(result, () =>
      [
        proportionTable(result.table),
        '',
        `project: ${result.project}${result.replaced ? ' (replaced the earlier demo)' : ''}`,
        `next:    unitscope serve ${result.project}`,
      ].join('\n'),
    );
  },
});
