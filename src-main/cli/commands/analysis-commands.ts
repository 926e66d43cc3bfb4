// ablate, reliability and replicate: causal and replication analyses of finished runs, through the
// contract like the desktop app. Long ones show progress on stderr and stop on Ctrl-C.
import { defineCommand, type Command } from '../command.ts';
import { EXECUTION_OPTIONS, executionFrom } from './recipe-options.ts';
import { oneOf, parseNumberOption, parseRuleOption, UsageError } from '../io.ts';
import { ABLATION_CONTROLS, ABLATION_TOP, BATCH, GROUPS, MEMORY_BUDGET_MB, rangeFormula, SEED, SHUFFLES, SPLITS } from '../../contract/fields.ts';
import { ABLATION_MODES, EXECUTION_PROVIDERS, type AblationMode, type AblationResult, type ExecutionProviderChoice, type ReliabilityResult, type ReplicationResult } from '../../contract/index.ts';

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'NaN' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function describeAblation(r: AblationResult): string {
  const head = `analysis ${r.analysis}: run ${r.run}, ${r.units} ${r.category}-selective units of ${r.layer} (${r.layerUnits} units) set to ${r.mode}, ${r.controls} random controls (seed ${r.seed}), ${r.evalImages} evaluation images`;
  const rows = r.measures.flatMap((m) =>
    [...m.perCategory, m.overall].map((e) => [m.name, e.category, String(e.images), fmt(e.selective), `${fmt(e.controlMean)} ± ${fmt(e.controlSd)}`, fmt(e.p, 4), fmt(e.q, 4)]),
  );
  const warnings = r.warnings.map((w) => `\nwarning: ${w}`).join('');
  return `${head}; p floor ${fmt(r.pFloor, 4)}${warnings}\n${table(['measure', 'eval category', 'images', 'selective', 'controls mean ± sd', 'p', 'q'], rows)}`;
}

const ablateUsage = `usage: unitscope ablate PROJECT --run ID --category C --layer L [--top N] [--mode ${ABLATION_MODES.join('|')}] [--controls R]
                        [--eval PROJECT2] [--seed N] [--output classifier|embedding] [--ep ${EXECUTION_PROVIDERS.join('|')}] [--batch N] [--json]

Replaces the units of layer L selective for category C (all of them, or the N with the highest CSI) by 0
(--mode zero, default) or by each unit's mean over the run's stimuli (--mode mean), and R random sets of the
same size from the same layer (default 100, seeded). Effects on the evaluation images (the run's own, or
PROJECT2's stimuli) per evaluation category: classifiers, top-1 agreement with the intact model and the drop
of its top logit; embedding models, cosine similarity to the intact embedding. p: one-sided permutation p
against the controls; q: Benjamini-Hochberg across evaluation categories. The result is stored.`;

export const ablateCommand = defineCommand({
  name: 'ablate',
  summary: 'ablate selective units against random-unit controls',
  usage: ablateUsage,
  options: {
    run: { type: 'string' },
    category: { type: 'string' },
    layer: { type: 'string' },
    top: { type: 'string' },
    mode: { type: 'string' },
    controls: { type: 'string' },
    eval: { type: 'string' },
    seed: { type: 'string' },
    output: { type: 'string' },
    ep: { type: 'string' },
    batch: { type: 'string' },
  },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('ablate: expected one PROJECT', usage);
    const run = parseNumberOption(values.run, 'run', usage);
    if (run === undefined) throw new UsageError('ablate: --run ID is required', usage);
    if (!values.category) throw new UsageError('ablate: --category C is required', usage);
    if (!values.layer) throw new UsageError('ablate: --layer L is required', usage);
    const top = parseRuleOption(values.top, ABLATION_TOP, 'top', usage);
    const controls = parseRuleOption(values.controls, ABLATION_CONTROLS, 'controls', usage);
    const mode = oneOf<AblationMode>(values.mode, ABLATION_MODES, 'mode', usage);
    const outputKind = oneOf(values.output, ['classifier', 'embedding'] as const, 'output', usage);
    const provider = oneOf<ExecutionProviderChoice>(values.ep, EXECUTION_PROVIDERS, 'ep', usage);
    const seed = parseRuleOption(values.seed, SEED, 'seed', usage);
    const batch = parseRuleOption(values.batch, BATCH, 'batch', usage);
    const result = await client.call(
      'analysis.ablate',
      {
        path: positionals[0]!,
        run,
        category: values.category,
        layer: values.layer,
        ...(top !== undefined ? { top } : {}),
        ...(mode ? { mode } : {}),
        ...(controls !== undefined ? { controls } : {}),
        ...(values.eval ? { evalPath: values.eval } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(outputKind ? { output: outputKind } : {}),
        ...(provider ? { provider } : {}),
        ...(batch !== undefined ? { batch } : {}),
      },
      longCall,
    );
    output.result(result, () => describeAblation(result));
  },
});

function describeReliability(r: ReliabilityResult): string {
  const head = `analysis ${r.analysis}: run ${r.run}, ${r.splits} random split(s) (seed ${r.seed}), ${r.perImageGroups ? 'halves of the images' : `halves of ${r.groupsPerCategory} image groups per category`}`;
  const rows = r.rows.map((row) => [row.layer, row.category, String(row.units), `${fmt(row.dice.mean)} ± ${fmt(row.dice.sd)}`, `${fmt(row.csiR.mean)} ± ${fmt(row.csiR.sd)}`, fmt(row.selectedA, 1), fmt(row.selectedB, 1)]);
  return `${head}\n${table(['layer', 'category', 'units', 'Dice mean ± sd', 'CSI r mean ± sd', 'selected A', 'selected B'], rows)}`;
}

const reliabilityUsage = `usage: unitscope reliability PROJECT --run ID [--splits N] [--seed N] [--groups G] [--ep ${EXECUTION_PROVIDERS.join('|')}] [--batch N]
                               [--memory-budget MIB] [--json]

Split-half reliability of a finished run: each category's images are split into random halves (seeded,
repeated N times, default 10), the run's recipe is applied to each half, and the halves' selective sets
(Dice) and CSI (Pearson r) are compared per layer x category. Half statistics come from one extraction of
per-group statistics (at most G groups per category, default 16; categories with at most G images are
split image by image). --memory-budget bounds the grouped statistics one extraction pass holds
(${rangeFormula(MEMORY_BUDGET_MB, 'MIB')}): a smaller one takes more passes. The result is stored.`;

export const reliabilityCommand = defineCommand({
  name: 'reliability',
  summary: 'split-half reliability of a run',
  usage: reliabilityUsage,
  options: { ...EXECUTION_OPTIONS, run: { type: 'string' }, splits: { type: 'string' }, seed: { type: 'string' }, groups: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('reliability: expected one PROJECT', usage);
    const run = parseNumberOption(values.run, 'run', usage);
    if (run === undefined) throw new UsageError('reliability: --run ID is required', usage);
    const splits = parseRuleOption(values.splits, SPLITS, 'splits', usage);
    const groups = parseRuleOption(values.groups, GROUPS, 'groups', usage);
    const seed = parseRuleOption(values.seed, SEED, 'seed', usage);
    const execution = executionFrom(values, usage);
    const result = await client.call(
      'analysis.reliability',
      {
        path: positionals[0]!,
        run,
        ...(splits !== undefined ? { splits } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(groups !== undefined ? { groups } : {}),
        ...execution,
      },
      longCall,
    );
    output.result(result, () => describeReliability(result));
  },
});

function describeReplication(r: ReplicationResult): string {
  const head = `analysis ${r.analysis}: run ${r.runA} vs run ${r.runB} of ${r.projectB} (model ${r.sha256.slice(0, 12)}…), ${r.shuffles} shuffles (seed ${r.seed})`;
  const rows = r.rows.map((row) => [
    row.layer,
    row.category,
    `${row.selectedA}/${row.selectedB}/${row.overlap}`,
    fmt(row.dice),
    fmt(row.expectedDice),
    fmt(row.pDice, 4),
    fmt(row.jaccard),
    fmt(row.csiR),
    fmt(row.pCsiR, 4),
  ]);
  return `${head}\n${table(['layer', 'category', 'A/B/both', 'Dice', 'null Dice', 'p', 'Jaccard', 'CSI r', 'p'], rows)}`;
}

const replicateUsage = `usage: unitscope replicate PROJECT_A --run A PROJECT_B --run B [--shuffles N] [--seed N] [--json]

Compares the selective units of two finished runs of the same model (same sha256), usually on two projects'
stimulus sets: per layer x category, Dice and Jaccard of the selective sets and Pearson r of the CSI, each
with a null from shuffling units within the layer (default 1000 shuffles). The first --run belongs to
PROJECT_A, the second to PROJECT_B. The result is stored in PROJECT_A.`;

export const replicateCommand = defineCommand({
  name: 'replicate',
  summary: 'replication of selective units between two runs of one model',
  usage: replicateUsage,
  options: { run: { type: 'string', multiple: true }, shuffles: { type: 'string' }, seed: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 2) throw new UsageError('replicate: expected PROJECT_A and PROJECT_B', usage);
    const runs = (values.run ?? []).map((r) => parseNumberOption(r, 'run', usage)!);
    if (runs.length !== 2) throw new UsageError('replicate: give --run twice, first for PROJECT_A, then for PROJECT_B', usage);
    const shuffles = parseRuleOption(values.shuffles, SHUFFLES, 'shuffles', usage);
    const seed = parseRuleOption(values.seed, SEED, 'seed', usage);
    const result = await client.call('analysis.replicate', {
      path: positionals[0]!,
      run: runs[0]!,
      pathB: positionals[1]!,
      runB: runs[1]!,
      ...(shuffles !== undefined ? { shuffles } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
    output.result(result, () => describeReplication(result));
  },
});

export const ANALYSIS_COMMANDS: readonly Command[] = [ablateCommand, reliabilityCommand, replicateCommand];
