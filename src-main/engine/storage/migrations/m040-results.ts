import type { Migration } from './index.ts';

// Run contents: the layers and categories a run used (frozen copies, so later edits of the model or the
// stimulus set never change what a finished run means), its sufficient statistics, extraction
// checkpoints, per-unit results and the pre-computed chart aggregates.
//
// Unit results are stored columnar: one BLOB per (run, layer, category, column), little-endian typed
// arrays indexed by the flat unit index. Measured against one row per unit in docs/storage.md: 4-13x
// smaller and the unit queries the UI runs stay under 100 ms without secondary indexes that take
// minutes to build. Layer-level numbers (tables and charts) are small rows and JSON, written once at
// the end of the run.
export const m040Results: Migration = {
  version: 40,
  name: 'results',
  up(db) {
    db.exec(`
      CREATE TABLE run_layers (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        tensor TEXT NOT NULL,
        channels INTEGER NOT NULL,
        height INTEGER NOT NULL,
        width INTEGER NOT NULL,
        PRIMARY KEY (run_id, position),
        UNIQUE (run_id, name)
      ) STRICT;

      CREATE TABLE run_categories (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('target', 'control')),
        controls_for TEXT,
        images INTEGER NOT NULL,
        PRIMARY KEY (run_id, position)
      ) STRICT;

      -- The images of a run in extraction order: resuming continues from the same order.
      CREATE TABLE run_images (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        image_id INTEGER NOT NULL,
        category INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (run_id, position)
      ) STRICT;

      -- Sufficient statistics (float64 little-endian; count K, mean and m2 K x units, category-major).
      -- 'partial' rows are checkpoints of an unfinished extraction; 'final' rows feed the analysis.
      CREATE TABLE layer_stats (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('partial', 'final')),
        count BLOB NOT NULL,
        mean BLOB NOT NULL,
        m2 BLOB NOT NULL,
        extra BLOB,
        PRIMARY KEY (run_id, position)
      ) STRICT;

      -- Where an extraction stands: images done (a prefix of run_images), written in the same
      -- transaction as the partial layer_stats so the two always agree.
      CREATE TABLE run_checkpoints (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        images_done INTEGER NOT NULL,
        state BLOB,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE unit_columns (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        category TEXT NOT NULL,
        name TEXT NOT NULL,
        dtype TEXT NOT NULL CHECK (dtype IN ('u8', 'i32', 'f32', 'f64')),
        data BLOB NOT NULL,
        UNIQUE (run_id, position, category, name)
      ) STRICT;

      CREATE TABLE layer_results (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        category TEXT NOT NULL,
        units INTEGER NOT NULL,
        selective INTEGER NOT NULL,
        metrics TEXT NOT NULL,
        PRIMARY KEY (run_id, position, category)
      ) STRICT;

      -- Pre-computed chart aggregates (JSON): csi histograms, channel counts, density maps, overlap,
      -- consistency matrices. Keyed by kind; position -1 for run-wide aggregates.
      CREATE TABLE run_aggregates (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        category TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, kind, position, category)
      ) STRICT;
    `);
  },
};
