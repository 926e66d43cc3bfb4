import { ablationFloor } from '../../../contract/analysis-types.ts';
import type { Migration } from './index.ts';

// Image-bootstrap replicates of a run's layer metrics (docs/method.md#image-bootstrap), computed once per
// (run, settings) and read by every comparison with that run. `header` is JSON (layers, targets, iterations,
// the unit subsets' sizes); `replicates` the float64 values of every layer, concatenated (little-endian).
// About 9 metrics x targets x (iterations + 1) x 8 bytes per layer: 4.6 MB for ResNet-50's 16 layers with
// 4 targets at 1,000 iterations.
// Consistency results stored before their notes were kept counted undefined layers as rounding noise:
// they are dropped here and computed again on demand. Ablations stored before their p floor was recorded
// get it (BH at 0.05, as run-ablation.ts).
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
      DELETE FROM run_aggregates WHERE kind = 'consistency' AND json_extract(data, '$.notes') IS NULL;
    `);
    const ablations = db.prepare("SELECT id, result FROM analyses WHERE kind = 'ablation' AND result IS NOT NULL AND json_extract(result, '$.pFloor') IS NULL").all() as { id: number; result: string }[];
    const update = db.prepare('UPDATE analyses SET result = ? WHERE id = ?');
    for (const row of ablations) {
      const result = JSON.parse(row.result) as { controls: number };
      const floor = ablationFloor(result.controls, 0.05);
      update.run(JSON.stringify({ ...result, pFloor: floor.floor, warnings: floor.warning ? [floor.warning] : [] }), row.id);
    }
  },
};
