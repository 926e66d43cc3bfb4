// export.run: a finished run as CSV, Parquet or .npz files plus manifest.json and load scripts;
// export.compare: a comparison of two runs as CSV.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { exportRun } from '../export/export-run.ts';
import { exportComparison } from '../export/export-compare.ts';
import { compareStoredRuns } from '../runs/run-statistics.ts';

export function exportHandlers(engine: Engine) {
  return {
    'export.run': async ({ path, run, format, out, layers }, ctx) =>
      exportRun(engine.reader(path), { run, format, out, layers, confinement: engine.confinement.active ? engine.confinement : undefined }, ctx),
    'export.compare': async ({ path, runs, force, iterations, seed, units, out }, ctx) =>
      exportComparison(await compareStoredRuns(engine.project(path), runs[0], runs[1], { force, iterations, seed, units }, ctx), out),
  } satisfies Partial<EngineHandlers>;
}
