// export.run: a finished run as CSV, Parquet or .npz files plus manifest.json and load scripts.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { exportRun } from '../export/export-run.ts';

export function exportHandlers(engine: Engine) {
  return {
    'export.run': async ({ path, run, format, out, layers }, ctx) =>
      exportRun(engine.reader(path), { run, format, out, layers, confinement: engine.confinement.active ? engine.confinement : undefined }, ctx),
  } satisfies Partial<EngineHandlers>;
}
