import type { Migration } from './index.ts';

// Studies (docs/figures.md): which models, which recipe, and which run stands for each model; the
// comparisons of every pair of runs, kept whole (a few thousand numbers) so a study reopens as it was
// without recomputing its bootstraps. Runs a study reused are not owned by it: deleting a run clears
// the study's reference (it is made again on resume), never the run.
export const m100Studies: Migration = {
  version: 100,
  name: 'studies',
  up(db) {
    db.exec(`
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'failed', 'cancelled', 'finished')),
        error TEXT,
        recipe TEXT NOT NULL,
        consistency INTEGER NOT NULL CHECK (consistency IN (0, 1)),
        execution TEXT NOT NULL
      ) STRICT;
      CREATE TABLE study_models (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        model TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        reused INTEGER NOT NULL DEFAULT 0 CHECK (reused IN (0, 1)),
        PRIMARY KEY (study_id, position)
      ) STRICT;
      CREATE TABLE study_comparisons (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        run_a INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        run_b INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        result TEXT NOT NULL,
        PRIMARY KEY (study_id, run_a, run_b)
      ) STRICT;
    `);
  },
};
