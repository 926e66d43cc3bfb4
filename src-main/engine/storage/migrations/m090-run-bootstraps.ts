import type { Migration } from './index.ts';

// Image-bootstrap replicates of a run's layer metrics (docs/method.md#image-bootstrap), computed once per
// (run, settings) and read by every comparison with that run. `header` is JSON (layers, targets, iterations,
// the unit subsets' sizes); `replicates` the float64 values of every layer, concatenated (little-endian).
// About 9 metrics x targets x (iterations + 1) x 8 bytes per layer: 4.6 MB for ResNet-50's 16 layers with
// 4 targets at 1,000 iterations.
export const m090RunBootstraps: Migration = {
  version: 90,
  name: 'run-bootstraps',
  up(db) {
    db.exec(`
      CREATE TABLE run_bootstraps (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        settings TEXT NOT NULL,
        header TEXT NOT NULL,
        replicates BLOB NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (run_id, settings)
      ) STRICT;
    `);
  },
};
