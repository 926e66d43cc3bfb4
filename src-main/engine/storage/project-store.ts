// Project-wide records: the meta table, the storage_totals table (m070) and operations on the whole file.
import type { ProjectSizes } from '../../contract/types.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';

export function getMeta(db: Db, key: string): string | undefined {
  return statement<[string], { value: string }>(db, 'SELECT value FROM meta WHERE key = ?').get(key)?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  statement(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function countRows(db: Db, table: 'images' | 'models'): number {
  const sql = table === 'images' ? "SELECT COUNT(*) AS n FROM images WHERE status != 'missing'" : 'SELECT COUNT(*) AS n FROM models';
  return statement<[], { n: number }>(db, sql).get()!.n;
}

/** Bytes held by each kind of run data, for `project info` (kept by triggers, see m070). */
export function storedBytes(db: Db): Pick<ProjectSizes, 'unitResults' | 'statistics' | 'aggregates' | 'thumbnails'> {
  const rows = statement<[], { kind: string; bytes: number }>(db, 'SELECT kind, bytes FROM storage_totals').all();
  const total = (kind: string) => rows.find((r) => r.kind === kind)?.bytes ?? 0;
  return { unitResults: total('unitResults'), statistics: total('statistics'), aggregates: total('aggregates'), thumbnails: total('thumbnails') };
}

/** Writes a consistent copy of the open database to `target` (SQLite VACUUM INTO: one file, no WAL). */
export function copyDatabaseTo(db: Db, target: string): void {
  db.prepare('VACUUM INTO ?').run(target);
}
