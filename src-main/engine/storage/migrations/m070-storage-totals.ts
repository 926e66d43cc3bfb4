import type { Migration } from './index.ts';

// Bytes held by each kind of stored data, kept current by triggers in the same transaction as every
// write. `project info` used to sum BLOB lengths over every row, which on a large project (6.7 GB, two
// ResNet-50 runs) reads leaf pages spread over the whole file: ~0.9 s cold. Triggers also cover deletes
// done by ON DELETE CASCADE and the UPDATE half of upserts, so no write path can forget them.
const KINDS: { kind: string; table: string; size: (row: 'NEW' | 'OLD') => string; columns: string }[] = [
  { kind: 'unitResults', table: 'unit_columns', size: (r) => `length(${r}.data)`, columns: 'data' },
  {
    kind: 'statistics',
    table: 'layer_stats',
    size: (r) => `(length(${r}.count) + length(${r}.mean) + length(${r}.m2) + COALESCE(length(${r}.extra), 0))`,
    columns: 'count, mean, m2, extra',
  },
  { kind: 'aggregates', table: 'run_aggregates', size: (r) => `length(${r}.data)`, columns: 'data' },
  { kind: 'thumbnails', table: 'thumbnails', size: (r) => `length(${r}.data)`, columns: 'data' },
];

export const m070StorageTotals: Migration = {
  version: 70,
  name: 'storage totals',
  up(db) {
    db.exec('CREATE TABLE storage_totals (kind TEXT PRIMARY KEY, bytes INTEGER NOT NULL) STRICT;');
    for (const { kind, table, size, columns } of KINDS) {
      const rowSize = size('NEW').replaceAll('NEW.', '');
      db.prepare(`INSERT INTO storage_totals (kind, bytes) SELECT ?, COALESCE(SUM(${rowSize}), 0) FROM ${table}`).run(kind);
      const bump = (delta: string) => `UPDATE storage_totals SET bytes = bytes + ${delta} WHERE kind = '${kind}';`;
      db.exec(`
        CREATE TRIGGER ${table}_bytes_insert AFTER INSERT ON ${table} BEGIN ${bump(size('NEW'))} END;
        CREATE TRIGGER ${table}_bytes_delete AFTER DELETE ON ${table} BEGIN ${bump(`-${size('OLD')}`)} END;
        CREATE TRIGGER ${table}_bytes_update AFTER UPDATE OF ${columns} ON ${table} BEGIN ${bump(`${size('NEW')} - ${size('OLD')}`)} END;
      `);
    }
  },
};
