// db_bytes_per_unit_result (issue 20 item 4): the bytes a real run's unit results take in its project,
// per unit result (unit x target category). Builds the demo project (procedural localizer stimuli, the
// generated CNN, one default run, through the contract as `unitscope demo` does) and divides the stored
// unit-result bytes (project info's `unitResults`: records, orders) by the run's unit results. The layout
// costs the same per unit for any model (docs/storage.md), so this stands for ResNet-50 on fLoc too; the
// statistics (float64 sufficient statistics, the precision contract) are reported beside it, not in it.
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connectInProcess } from '../src-main/engine/connect.ts';
import { Engine } from '../src-main/engine/engine.ts';
import type { BenchResult } from './run.ts';

const WORK = fileURLToPath(new URL('./.work/db-bytes-per-unit-result/', import.meta.url));
const TARGET = 24;

export async function run(): Promise<BenchResult[]> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const client = connectInProcess(new Engine());
  const demo = await client.call('demo.create', { out: WORK, seed: 0 });
  const info = await client.call('project.info', { path: demo.project });
  const unitResults = demo.table.rows.reduce((s, r) => s + r.units, 0);
  const selective = demo.table.rows.reduce((s, r) => s + r.selective, 0);
  const sizes = info.sizes!;
  const value = sizes.unitResults / unitResults;
  return [
    {
      name: 'db_bytes_per_unit_result',
      value,
      unit: 'bytes',
      target: `<= ${TARGET}`,
      met: value <= TARGET,
      unitResults,
      selectiveFraction: selective / unitResults,
      unitResultBytes: sizes.unitResults,
      statisticsBytesPerUnitResult: sizes.statistics / unitResults,
      load: loadavg().map((v) => Number(v.toFixed(2))),
    },
  ];
}
