import type { Migration } from './index.ts';

// Causal and replication analyses (ablation, split-half reliability, replication). Each row keeps the
// call's settings, a manifest (model sha256, stimulus-set hashes, seeds, app version, platform) and the
// result, as JSON: results are a few hundred numbers per layer x category, read whole by the dashboard.
export const m060Analyses: Migration = {
  version: 60,
  name: 'analyses',
  up(db) {
    db.exec(`
      CREATE TABLE analyses (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('ablation', 'reliability', 'replication')),
        run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        params TEXT NOT NULL,
        manifest TEXT NOT NULL,
        result TEXT,
        seconds REAL
      ) STRICT;
      CREATE INDEX analyses_run ON analyses(run_id, kind);
    `);
  },
};
