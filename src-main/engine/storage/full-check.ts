// The SQL half of `project check` (docs/storage.md "Damage and recovery"): SQLite's integrity_check over
// every page, and every stored checksum (blobs.ts) verified row by row. The engine half
// (engine/project-check.ts) reports progress and turns findings into the report.
import { describeBlob, isSealed, textChecksum } from './blobs.ts';
import { schemaVersion, type Db } from './database.ts';
import { m120Checksums } from './migrations/m120-checksums.ts';
import { m150StatChunks } from './migrations/m150-stat-chunks.ts';

/** Tables holding checksummed data, the SQL that lists their rows (m120) and the schema that made them. */
const CHECKSUMMED = [
  { table: 'unit_columns', sql: 'SELECT run_id, position, category, name, data FROM unit_columns' },
  { table: 'layer_stats', sql: 'SELECT run_id, position, count, mean, m2, extra FROM layer_stats' },
  { table: 'layer_stat_chunks', sql: 'SELECT run_id, position, chunk, data FROM layer_stat_chunks', since: m150StatChunks.version },
  { table: 'run_checkpoints', sql: 'SELECT run_id, state FROM run_checkpoints' },
  { table: 'run_bootstraps', sql: 'SELECT run_id, settings, replicates FROM run_bootstraps' },
  { table: 'layer_results', sql: 'SELECT run_id, position, category, metrics, crc FROM layer_results' },
  { table: 'run_aggregates', sql: 'SELECT run_id, position, category, kind, data, crc FROM run_aggregates' },
] as const;

/** The checksummed tables a file at its schema has (a file checked without upgrading may be older). */
function checksummedTables(db: Db): (typeof CHECKSUMMED)[number][] {
  const version = schemaVersion(db);
  return CHECKSUMMED.filter((t) => !('since' in t) || version >= t.since);
}

type Row = Record<string, unknown> & { run_id: number; position?: number };

/** What in `row` of `table` fails its checksum: the names of the damaged values (empty when none). */
function damagedValues(table: string, row: Row): string[] {
  const blob = (name: string, label = name) => (row[name] instanceof Uint8Array && !isSealed(row[name]) ? [label] : []);
  switch (table) {
    case 'unit_columns':
      return blob('data', `${String(row.category)} ${String(row.name)}`);
    case 'layer_stats':
      return [...blob('count'), ...blob('mean'), ...blob('m2'), ...blob('extra')];
    case 'layer_stat_chunks':
      return blob('data', `chunk ${String(row.chunk)}`);
    case 'run_checkpoints':
      return blob('state');
    case 'run_bootstraps':
      return blob('replicates', `replicates ${String(row.settings)}`);
    case 'layer_results':
      return textChecksum(String(row.metrics)) === row.crc ? [] : [`${String(row.category)} metrics`];
    default:
      return textChecksum(String(row.data)) === row.crc ? [] : [`${String(row.kind)}${row.category ? ` ${String(row.category)}` : ''}`];
  }
}

export interface ChecksumFinding {
  table: string;
  /** Set for a damaged value, or a table SQLite could not read to the end. */
  damage?: { where: string; problem: string };
}

/** The schema from which stored rows carry checksums (written or sealed by m120); older ones have none. */
export const CHECKSUMS_SINCE = m120Checksums.version;

/** Rows that carry checksums, for progress. */
export function checksummedRows(db: Db): number {
  let total = 0;
  for (const { table } of checksummedTables(db)) {
    try {
      total += (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    } catch {
      // A table SQLite cannot count is reported by the scan below.
    }
  }
  return total;
}

/** One finding per checksummed row (damaged or not), and one for each table SQLite cannot read through. */
export function* verifyChecksums(db: Db): Generator<ChecksumFinding> {
  for (const { table, sql } of checksummedTables(db)) {
    try {
      for (const row of db.prepare(sql).iterate() as Iterable<Row>) {
        const damaged = damagedValues(table, row);
        if (damaged.length === 0) {
          yield { table };
          continue;
        }
        for (const what of damaged) {
          const where = describeBlob({ db, table, what, runId: row.run_id, ...(row.position !== undefined ? { position: row.position } : {}) });
          yield { table, damage: { where, problem: 'the stored data does not match its checksum' } };
        }
      }
    } catch (error) {
      yield { table, damage: { where: `table ${table}`, problem: `SQLite cannot read it through (${(error as Error).message})` } };
    }
  }
}

/** SQLite's own check of every page: its messages, or an empty list when it says ok. */
export function integrityCheck(db: Db): string[] {
  const rows = db.pragma('integrity_check(100)') as { integrity_check: string }[];
  const messages = rows.map((r) => r.integrity_check);
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages;
}

export function pageCount(db: Db): number {
  return db.pragma('page_count', { simple: true }) as number;
}
