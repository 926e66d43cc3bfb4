// unitscope compare: two runs layer by layer through results.compare (the paired image bootstrap of every
// claim, docs/method.md#comparison), printed as one table with both values, A - B with its interval, p, q
// and n; the unit-level tests follow, labelled descriptive. --out writes the same tables as CSV.
import { defineCommand } from '../command.ts';
import { parseListOption, parseNumberOption, UsageError } from '../io.ts';
import { BOOTSTRAP_ITERATIONS, rangeFormula, SUBSET_UNITS } from '../../contract/fields.ts';
import type { CompareInterval, CompareResult } from '../../contract/results-types.ts';

const compareUsage = `usage: unitscope compare PROJECT --runs A,B [--force] [--iterations N] [--seed N] [--units N] [--out FILE.csv] [--json]

Compares run A with run B (usually two models on the same stimuli with the same recipe), per layer x
category and across depth, for every claim: proportion (and its slope with depth), specificity (CSI median
and mean), feature-map evenness (channel entropy, Gini), spatial localization (spatial entropy, Gini) and
activation strength (normalized). Images are resampled (a paired Poisson bootstrap, the same resamples for
both runs), each run's selection is re-run per resample on a seeded subset of units per layer, and every
difference is A - B with its 95 % interval, bootstrap p and BH q across layers x categories
(docs/method.md#comparison). The unit-level tests (units as samples) are printed after it, as description.
Runs that differ in recipe, stimuli, preprocessing or precision are refused (exit 1, saying why);
--force compares them and records each difference as a warning.
--iterations: bootstrap iterations (${rangeFormula(BOOTSTRAP_ITERATIONS, 'N')}; default 1000).
--seed: the bootstrap's seed (default: run A's recipe seed).
--units: units per stratum of each layer's subset (${rangeFormula(SUBSET_UNITS, 'N')}; default 2048).
--out: also write the comparison as CSV (one row per claim x layer x category; the unit-level tests in
FILE with .unit-level.csv).`;

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined ? 'NaN' : Number.isInteger(v) ? String(v) : v.toPrecision(digits);
}

const ci = (i: CompareInterval) => `[${fmt(i.low)}, ${fmt(i.high)}]`;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), ...rows.map(line)];
}

export function describeComparison(r: CompareResult): string {
  const [a, b] = r.runs;
  const lines = [`A = run ${a} (${r.models[0]}), B = run ${b} (${r.models[1]}); differences are A - B; layers aligned by ${r.alignment}; alpha ${r.alpha}`];
  lines.push(`images per category (A / B): ${r.images.map((c) => `${c.category} ${c.a}/${c.b}`).join(', ')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.bootstrap) {
    const s = r.bootstrap;
    lines.push(`image-level: paired Poisson bootstrap over images, ${s.iterations} iterations, seed ${s.seed}, ${s.unitsPerStratum} units per stratum and layer (subset error: value - full)`);
    lines.push(
      ...table(
        ['claim', 'metric', 'layer A/B', 'category', 'A', 'A 95% CI', 'full A', 'B', 'B 95% CI', 'full B', 'A - B', 'A - B 95% CI', 'p', 'q', '', 'n img A/B', 'sel A/B', 'iters'],
        r.rows.map((row) => [
          row.claim,
          row.metric,
          row.layerA === null ? 'all (slope)' : row.layerA === row.layerB ? row.layerA : `${row.layerA}/${row.layerB}`,
          row.category,
          fmt(row.valueA),
          ci(row.ciA),
          fmt(row.fullA),
          fmt(row.valueB),
          ci(row.ciB),
          fmt(row.fullB),
          fmt(row.diff),
          ci(row.ciDiff),
          fmt(row.p, 3),
          fmt(row.q, 3),
          row.significant ? '*' : '',
          `${row.n.imagesA}/${row.n.imagesB}`,
          row.n.selectiveA === null ? '-' : `${row.n.selectiveA}/${row.n.selectiveB}`,
          String(row.n.iterations),
        ]),
      ),
    );
  } else lines.push(`image-level: not available (${r.imageLevelUnavailable ?? 'unknown reason'})`);
  lines.push('unit-level tests (units as independent samples; descriptive only, they overstate the evidence):');
  lines.push(
    ...table(
      ['metric', 'test', 'layer A/B', 'category', 'A', 'B', 'A - B', 'p', 'q', 'sel A/B'],
      r.unitLevel.map((t) => [t.metric, t.test, t.layerA === t.layerB ? t.layerA : `${t.layerA}/${t.layerB}`, t.category, fmt(t.valueA), fmt(t.valueB), fmt(t.difference), fmt(t.p, 3), fmt(t.q, 3), `${t.selectiveA}/${t.selectiveB}`]),
    ),
  );
  return lines.join('\n');
}

export const compareCommand = defineCommand({
  name: 'compare',
  summary: 'compare two runs (models): image-level tests of every claim, layer by layer',
  usage: compareUsage,
  options: { runs: { type: 'string' }, force: { type: 'boolean' }, iterations: { type: 'string' }, seed: { type: 'string' }, units: { type: 'string' }, out: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('compare: expected one PROJECT', usage);
    const path = positionals[0]!;
    const ids = (parseListOption(values.runs) ?? []).map((s) => parseNumberOption(s, 'runs', usage)!);
    if (ids.length !== 2) throw new UsageError('compare: --runs takes two run ids, e.g. --runs 1,2', usage);
    const iterations = parseNumberOption(values.iterations, 'iterations', usage);
    const seed = parseNumberOption(values.seed, 'seed', usage);
    const units = parseNumberOption(values.units, 'units', usage);
    const args = {
      path,
      runs: [ids[0]!, ids[1]!] as [number, number],
      ...(values.force ? { force: true } : {}),
      ...(iterations !== undefined ? { iterations } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(units !== undefined ? { units } : {}),
    };
    if (values.out) {
      const written = await client.call('export.compare', { ...args, out: values.out }, longCall);
      output.result(written, () => `${describeComparison(written.comparison)}\n${written.files.join('\n')}`);
      return;
    }
    const result = await client.call('results.compare', args, longCall);
    output.result(result, () => describeComparison(result));
  },
});
