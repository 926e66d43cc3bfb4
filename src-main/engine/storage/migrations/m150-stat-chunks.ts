import type { Migration } from './index.ts';

// Final sufficient statistics unit-major in small chunks (statistics-store.ts explains the layout): a
// page of units scattered over a layer reads only the ~4 KB chunks its units fall in, where the two
// category-major BLOBs of layer_stats (64 MB each for ResNet-50's stem) are read whole even for substr().
// No data is rewritten: final rows stored before keep their whole BLOBs and stay readable as they are.
// A chunk's bytes count as 'statistics' in storage_totals, by triggers shaped like m070's.
// IF NOT EXISTS: the step is safe to run again on a file whose user_version was set back.
export const m150StatChunks: Migration = {
  version: 150,
  name: 'stat chunks',
  up(db) {
    const bump = (delta: string) => `UPDATE storage_totals SET bytes = bytes + ${delta} WHERE kind = 'statistics';`;
    db.exec(`
      CREATE TABLE IF NOT EXISTS layer_stat_chunks (
        run_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        chunk INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, position, chunk),
        FOREIGN KEY (run_id, position) REFERENCES layer_stats (run_id, position) ON DELETE CASCADE
      ) STRICT;
      CREATE TRIGGER IF NOT EXISTS layer_stat_chunks_bytes_insert AFTER INSERT ON layer_stat_chunks BEGIN ${bump('length(NEW.data)')} END;
      CREATE TRIGGER IF NOT EXISTS layer_stat_chunks_bytes_delete AFTER DELETE ON layer_stat_chunks BEGIN ${bump('-length(OLD.data)')} END;
      CREATE TRIGGER IF NOT EXISTS layer_stat_chunks_bytes_update AFTER UPDATE OF data ON layer_stat_chunks BEGIN ${bump('length(NEW.data) - length(OLD.data)')} END;
    `);
  },
};
