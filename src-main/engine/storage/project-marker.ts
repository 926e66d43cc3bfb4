// What makes an SQLite file a Unitscope project: the application_id in its header (SQLite's own field
// for this, set when the project is created). A file without it is never migrated, written or deleted
// as a project: another application's database named *.unitscope stays exactly as it was. Projects made
// before the marker existed are recognised by their tables and marked on their next writable open.
import Database from 'better-sqlite3';
import type { Db } from './database.ts';
import { EngineError } from '../errors.ts';

/** 'UNSC' as a 32-bit integer. */
export const UNITSCOPE_APPLICATION_ID = 0x554e5343;

const CORE_TABLES = ['meta', 'categories', 'images', 'models', 'runs'];

export function markNewProject(db: Db): void {
  db.pragma(`application_id = ${UNITSCOPE_APPLICATION_ID}`);
}

/** A project from before the marker: schema version set, the core tables there, and created by Unitscope. */
function isUnmarkedProject(db: Db): boolean {
  if ((db.pragma('user_version', { simple: true }) as number) <= 0) return false;
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  if (!CORE_TABLES.every((t) => tables.has(t))) return false;
  try {
    return db.prepare("SELECT 1 FROM meta WHERE key = 'created_by'").get() !== undefined;
  } catch {
    return false; // a `meta` table of another shape
  }
}

/**
 * Throws unless `db` is a Unitscope project. Reads only; returns whether the file still needs the marker
 * (a project from before it), which the caller writes once it knows the file may be written.
 */
export function checkProjectMarker(db: Db, path: string): { needsMark: boolean } {
  const id = db.pragma('application_id', { simple: true }) as number;
  if (id === UNITSCOPE_APPLICATION_ID) return { needsMark: false };
  if (id === 0 && isUnmarkedProject(db)) return { needsMark: true };
  throw new EngineError('bad_input', `${path}: not a Unitscope project (an SQLite database of ${id === 0 ? 'another kind' : 'another application'}); it was left untouched`, { file: path });
}

/** Whether the file at `path` is a Unitscope project, read without writing anything to it. */
export function isProjectFile(path: string): boolean {
  let db: Db | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    checkProjectMarker(db, path);
    return true;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}
