import { isSealed, sealBytes, textChecksum } from '../blobs.ts';
import type { Migration } from './index.ts';

// Checksums on stored results (docs/storage.md "Checksums"): every typed-array BLOB gets the 8-byte
// CRC-32 trailer that toBlob now writes, and the JSON result columns (layer metrics, chart aggregates) a
// crc column. A BLOB already sealed (written through toBlob by a migration that ran before this one in
// the same upgrade) is left as it is, so it is never sealed twice.
const BLOB_COLUMNS: { table: string; columns: string[] }[] = [
  { table: 'unit_columns', columns: ['data'] },
  { table: 'layer_stats', columns: ['count', 'mean', 'm2', 'extra'] },
  { table: 'run_checkpoints', columns: ['state'] },
  { table: 'run_bootstraps', columns: ['replicates'] },
];

export const m120Checksums: Migration = {
  version: 120,
  name: 'checksums',
  up(db) {
    db.function('unitscope_seal', { deterministic: true }, (blob: unknown) => {
      if (!(blob instanceof Uint8Array)) return blob; // NULL stays NULL
      return isSealed(blob) ? blob : sealBytes(blob);
    });
    db.function('unitscope_crc', { deterministic: true }, (text: unknown) => textChecksum(String(text)));
    for (const { table, columns } of BLOB_COLUMNS) {
      db.exec(`UPDATE ${table} SET ${columns.map((c) => `${c} = unitscope_seal(${c})`).join(', ')}`);
    }
    db.exec(`
      ALTER TABLE layer_results ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;
      UPDATE layer_results SET crc = unitscope_crc(metrics);
      ALTER TABLE run_aggregates ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;
      UPDATE run_aggregates SET crc = unitscope_crc(data);
    `);
  },
};
