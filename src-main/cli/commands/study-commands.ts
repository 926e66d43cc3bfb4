// study and figure: a study of several models with one recipe (run, resume, list) and its report, and
// one figure of a study or of runs, drawn headless (no browser) to SVG, PDF or PNG.
import { defineCommand, type CliContext, type Command } from '../command.ts';
import { oneOf, parseListOption, parseNumberOption, parseRuleOption, UsageError, type Output } from '../io.ts';
import { EXECUTION_PROVIDERS } from '../../contract/recipe.ts';
import { BOOTSTRAP_ITERATIONS, rangeFormula, SUBSET_UNITS } from '../../contract/fields.ts';
import { DEFAULT_FIGURE_DPI, FIGURE_DPI, FIGURE_SIZE, JOURNAL_WIDTHS_MM, type StudyData, type StudyInfo } from '../../contract/study-types.ts';
import { FIGURE_KINDS, type FigureKind } from '../../../src-renderer/src/charts/figures/study-figures.ts';
import { EXECUTION_OPTIONS, executionFrom, RECIPE_OPTIONS, RECIPE_USAGE, recipeFrom } from './recipe-options.ts';
import { formatOf, writeFigure, writeReport } from '../figure-files.ts';

const WIDTH_HELP = `--width W: the figures' width, ${JOURNAL_WIDTHS_MM.column}mm (one journal column) or ${JOURNAL_WIDTHS_MM.page}mm (page width, the default), or any size from ${FIGURE_SIZE.min} to ${FIGURE_SIZE.max} mm`;

/** "89mm", "89" or "column" / "page" -> millimetres. */
function widthOption(value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const named = (JOURNAL_WIDTHS_MM as Record<string, number>)[value];
  if (named) return named;
  return parseRuleOption(value.replace(/mm$/, ''), FIGURE_SIZE, 'width', usage);
}

function describeStudy(s: StudyInfo): string {
  const runs = s.runs.map((r) => `  ${r.model.padEnd(24)} run ${r.run ?? '–'} ${r.status ?? 'not started'}${r.reused ? ' (reused)' : ''}`);
  return [`study ${s.id} ${s.status}: ${s.name}`, ...runs, `  comparisons: ${s.comparisons.length}${s.error ? `\n  error: ${s.error}` : ''}`].join('\n');
}

const studyUsage = `usage: unitscope study PROJECT --models A,B[,...] [recipe options] [--name NAME] [--no-consistency] [--iterations N] [--units N]
                       [--ep ${EXECUTION_PROVIDERS.join('|')}] [--batch N] [--memory-budget MIB] [--report DIR] [--width W] [--json]
       unitscope study PROJECT --resume ID [--report DIR] [--width W] [--json]
       unitscope study PROJECT --list [--json]

One project x several models x one recipe. Runs each model that has no finished run with these settings
(an existing one is reused), then compares every pair of models (docs/method.md#comparison) and, unless
--no-consistency, computes each model's representational consistency (a second pass over the images).
The study is stored in the project; an interrupted study continues with --resume ID, its runs from their
checkpoints. --report DIR writes DIR/index.html (figures, tables, methods, manifests) and every figure as
DIR/figures/KIND.svg, .pdf and .png (${DEFAULT_FIGURE_DPI} dpi); no browser is needed (docs/figures.md).
${WIDTH_HELP}.
--iterations, --units: the comparisons' image bootstrap (as unitscope compare): iterations
(${rangeFormula(BOOTSTRAP_ITERATIONS, 'N')}; default 1000) and units per stratum of each layer's subset (${rangeFormula(SUBSET_UNITS, 'N')}).

${RECIPE_USAGE}`;

async function reportOf(ctx: CliContext, path: string, id: number, dir: string, widthMm: number | undefined, out: Output): Promise<string[]> {
  const data: StudyData = await ctx.client.call('study.data', { path, id }, { signal: ctx.signal });
  return writeReport(ctx.client, data, dir, { widthMm }, (kind) => out.progress({ phase: 'report', done: FIGURE_KINDS.indexOf(kind), total: FIGURE_KINDS.length, unit: 'figures', message: kind }));
}

export const studyCommand = defineCommand({
  name: 'study',
  summary: 'several models with one recipe: runs, comparisons and a report',
  usage: studyUsage,
  options: {
    ...RECIPE_OPTIONS,
    ...EXECUTION_OPTIONS,
    models: { type: 'string' },
    name: { type: 'string' },
    'no-consistency': { type: 'boolean' },
    iterations: { type: 'string' },
    units: { type: 'string' },
    resume: { type: 'string' },
    list: { type: 'boolean' },
    report: { type: 'string' },
    width: { type: 'string' },
  },
  async run({ values, positionals, output, usage, longCall }, ctx) {
    const { client } = ctx;
    if (positionals.length !== 1) throw new UsageError('study: expected one PROJECT', usage);
    const path = positionals[0]!;
    if (values.list) {
      const list = await client.call('study.list', { path });
      output.result(list, () => (list.length ? list.map(describeStudy).join('\n') : 'no studies'));
      return;
    }
    const widthMm = widthOption(values.width, usage);
    const resume = parseNumberOption(values.resume, 'resume', usage);
    let study: StudyInfo;
    if (resume !== undefined) {
      if (values.models !== undefined) throw new UsageError('study: --resume continues a study with its own models and recipe; drop --models', usage);
      study = await client.call('study.resume', { path, id: resume }, longCall);
    } else {
      const iterations = parseRuleOption(values.iterations, BOOTSTRAP_ITERATIONS, 'iterations', usage);
      const units = parseRuleOption(values.units, SUBSET_UNITS, 'units', usage);
      const models = parseListOption(values.models);
      if (!models) throw new UsageError('study: --models A,B,... is required (or --resume ID, or --list)', usage);
      study = await client.call(
        'study.start',
        { path, models, recipe: recipeFrom(values, usage), ...executionFrom(values, usage), ...(values.name ? { name: values.name } : {}), ...(values['no-consistency'] ? { consistency: false } : {}), ...(iterations !== undefined ? { iterations } : {}), ...(units !== undefined ? { units } : {}) },
        longCall,
      );
    }
    const files = values.report ? await reportOf(ctx, path, study.id, values.report, widthMm, output) : [];
    output.result({ ...study, report: files }, () => `${describeStudy(study)}${files.length ? `\nreport: ${files.find((f) => f.endsWith('index.html'))} (${files.length} files)` : ''}`);
  },
});

const figureUsage = `usage: unitscope figure PROJECT (--study ID | --run ID[,ID...]) --kind ${FIGURE_KINDS.join('|')} --out FILE.svg|.pdf|.png
                        [--dpi N] [--width W] [--json]

Draws one of the study figures without a browser (docs/figures.md): SVG and PDF are vector (the PDF embeds
its font), PNG is at --dpi (${FIGURE_DPI.min}-${FIGURE_DPI.max}, default ${DEFAULT_FIGURE_DPI}). --run takes finished runs; each run is
compared with the next for the significance marks.
${WIDTH_HELP}.`;

export const figureCommand = defineCommand({
  name: 'figure',
  summary: 'one study figure as SVG, PDF or PNG (headless)',
  usage: figureUsage,
  options: { study: { type: 'string' }, run: { type: 'string' }, kind: { type: 'string' }, out: { type: 'string' }, dpi: { type: 'string' }, width: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('figure: expected one PROJECT', usage);
    const path = positionals[0]!;
    const kind = oneOf<FigureKind>(values.kind, FIGURE_KINDS, 'kind', usage);
    if (!kind) throw new UsageError('figure: --kind is required', usage);
    if (!values.out) throw new UsageError('figure: --out FILE is required', usage);
    if (!formatOf(values.out)) throw new UsageError(`figure: --out must end in .svg, .pdf or .png (got ${values.out})`, usage);
    if ((values.study === undefined) === (values.run === undefined)) throw new UsageError('figure: give either --study ID or --run ID[,ID...]', usage);
    const dpi = parseRuleOption(values.dpi, FIGURE_DPI, 'dpi', usage);
    const widthMm = widthOption(values.width, usage);
    const study = parseNumberOption(values.study, 'study', usage);
    const runs = values.run?.split(',').map((r) => parseNumberOption(r.trim(), 'run', usage)!);
    const data = await client.call('study.data', study !== undefined ? { path, id: study } : { path, runs: runs! }, longCall);
    const file = await writeFigure(client, data, kind, values.out, { widthMm, dpi });
    output.result({ file, kind }, () => file);
  },
});

export const STUDY_COMMANDS: readonly Command[] = [studyCommand, figureCommand];
