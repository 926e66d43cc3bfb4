// A comparison (results.compare) as CSV for Python and R: FILE holds one row per claim x metric x layer x
// category with both runs' values and intervals, the difference A - B with its interval, z, p, q, the
// full-layer values and n; FILE's .unit-level.csv sibling the descriptive unit-level tests. Missing
// values are empty fields. A file that exists is never replaced: the export refuses it.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CompareExport, CompareResult } from '../../contract/results-types.ts';
import { EngineError } from '../errors.ts';

type Cell = string | number | boolean | null;

function field(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: string[], rows: Cell[][]): string {
  return `${[header, ...rows].map((r) => r.map(field).join(',')).join('\n')}\n`;
}

/** The image-level table (the figures' data: one row per claim x layer x category). */
export function comparisonCsv(r: CompareResult): string {
  const header = ['run_a', 'run_b', 'model_a', 'model_b', 'claim', 'metric', 'layer_a', 'layer_b', 'category', 'value_a', 'ci_a_low', 'ci_a_high', 'full_a', 'value_b', 'ci_b_low', 'ci_b_high', 'full_b', 'diff_a_minus_b', 'ci_diff_low', 'ci_diff_high', 'z', 'p', 'q', 'significant', 'images_a', 'images_b', 'selective_a', 'selective_b', 'iterations', 'seed', 'units_per_stratum'];
  const s = r.bootstrap;
  return csv(
    header,
    r.rows.map((row) => [
      r.runs[0],
      r.runs[1],
      r.models[0],
      r.models[1],
      row.claim,
      row.metric,
      row.layerA,
      row.layerB,
      row.category,
      row.valueA,
      row.ciA.low,
      row.ciA.high,
      row.fullA,
      row.valueB,
      row.ciB.low,
      row.ciB.high,
      row.fullB,
      row.diff,
      row.ciDiff.low,
      row.ciDiff.high,
      row.z,
      row.p,
      row.q,
      row.significant,
      row.n.imagesA,
      row.n.imagesB,
      row.n.selectiveA,
      row.n.selectiveB,
      row.n.iterations,
      s?.seed ?? null,
      s?.unitsPerStratum ?? null,
    ]),
  );
}

/** The unit-level (descriptive) tests. */
export function unitLevelCsv(r: CompareResult): string {
  return csv(
    ['run_a', 'run_b', 'metric', 'test', 'layer_a', 'layer_b', 'category', 'value_a', 'value_b', 'diff_a_minus_b', 'statistic', 'p', 'q', 'significant', 'selective_a', 'selective_b', 'descriptive'],
    r.unitLevel.map((t) => [r.runs[0], r.runs[1], t.metric, t.test, t.layerA, t.layerB, t.category, t.valueA, t.valueB, t.difference, t.statistic, t.p, t.q, t.significant, t.selectiveA, t.selectiveB, true]),
  );
}

function writeNew(path: string, text: string): void {
  if (existsSync(path)) throw new EngineError('conflict', `${path}: the file exists; write the comparison to a new file`, { file: path });
  const staged = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(staged, text, { flag: 'wx' });
    renameSync(staged, path);
  } catch (error) {
    throw new EngineError('io', `${path}: cannot write the comparison (${(error as Error).message})`, { file: path, cause: error });
  }
}

export function exportComparison(comparison: CompareResult, out: string): CompareExport {
  const main = resolve(out);
  const unitLevel = main.replace(/(\.csv)?$/i, '.unit-level.csv');
  for (const f of [main, unitLevel]) if (existsSync(f)) throw new EngineError('conflict', `${f}: the file exists; write the comparison to a new file`, { file: f });
  writeNew(main, comparisonCsv(comparison));
  writeNew(unitLevel, unitLevelCsv(comparison));
  return { files: [main, unitLevel], comparison };
}
