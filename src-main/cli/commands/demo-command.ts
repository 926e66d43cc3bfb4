import type { Command } from '../command.ts';
import { createOutput, parseCommandArgs, parseNumberOption, UsageError } from '../io.ts';
import { proportionTable } from '../proportion-table.ts';

const usage = `usage: unitscope demo [--out DIR] [--seed N] [--json]

The built-in demo, no download: creates DIR/demo.unitscope (default DIR: ./unitscope-demo) with a
procedural localizer set (faces, bodies, scenes, words, scrambled_scenes, scrambled_words), a small CNN
the app generates, runs extraction and the default pairwise-t recipe, stores the results and prints the
layer x category table of selective-unit proportions. An earlier demo in DIR is replaced.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'build and run the built-in demo project (no download)',
  usage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { out: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      usage,
    );
    if (values.help) return void process.stdout.write(`${usage}\n`);
    if (positionals.length > 0) throw new UsageError(`demo: unexpected argument '${positionals[0]}'`, usage);
    const seed = parseNumberOption(values.seed, 'seed', usage) ?? 0;
    if (seed < 0) throw new UsageError('--seed must be 0 or more', usage);
    const out = createOutput(values.json === true);
    const result = await client.call('demo.create', { out: values.out ?? 'unitscope-demo', seed }, { signal, onProgress: (p) => out.progress(p) });
    out.endProgress();
    out.result(result, () =>
      [
        proportionTable(result.table),
        '',
        `project: ${result.project}${result.replaced ? ' (replaced the earlier demo)' : ''}`,
        `next:    unitscope serve ${result.project}`,
      ].join('\n'),
    );
  },
};
