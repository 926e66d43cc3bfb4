// Opening a project file: the only place that imports better-sqlite3 (lint enforces it). A project is one
// SQLite file with numbered migrations; `user_version` holds the schema version, and a file written by a
// newer Unitscope is refused rather than guessed at.
import Database from 'better-sqlite3';
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations/index.ts';
import { checkProjectMarker, markNewProject } from './project-marker.ts';

export type Db = Database.Database;
export type Statement<Params extends unknown[] = unknown[], Row = unknown> = Database.Statement<Params, Row>;

const SQLITE_HEADER = 'SQLite format 3\u0000';

export interface OpenOptions {
  /** Create the file when it does not exist (otherwise a missing file is an error). */
  create?: boolean;
  readonly?: boolean;
}

function checkLooksLikeSqlite(path: string): void {
  const info = statSync(path);
  // A folder, FIFO or device is no project (and opening a FIFO to read its header would wait forever).
  if (!info.isFile()) throw new EngineError('bad_input', `${path}: not a Unitscope project (not a regular file)`, { file: path });
  const size = info.size;
  // SQLite would take an empty file as an empty database; it is not a project (no marker) to migrate.
  if (size === 0) throw new EngineError('bad_input', `${path}: not a Unitscope project (an empty file)`, { file: path });
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    const read = readSync(fd, header, 0, 16, 0);
    if (read < 16 || header.toString('latin1') !== SQLITE_HEADER) {
      throw new EngineError('bad_input', `${path}: not a Unitscope project (not an SQLite database)`, { file: path });
    }
  } finally {
    closeSync(fd);
  }
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const exists = existsSync(path);
  if (!exists && !options.create) {
    throw new EngineError('not_found', `${path}: no such project file`, { file: path });
  }
  if (exists) checkLooksLikeSqlite(path);
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !options.create });
  } catch (error) {
    throw new EngineError('io', `${path}: cannot open project (${(error as Error).message})`, { file: path, cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Only a file with the app's marker is a project; nothing below may write to another app's file.
    const { needsMark } = exists ? checkProjectMarker(db, path) : { needsMark: true };
    // Refuse a newer file before anything below (WAL mode) writes to its header.
    refuseNewerSchema(db, path);
    if (needsMark && !options.readonly) markNewProject(db);
    db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode is durable against process crashes (what we test) and fast.
      db.pragma('synchronous = NORMAL');
    }
    migrate(db, path, options.readonly ?? false);
  } catch (error) {
    db.close();
    if (error instanceof EngineError) throw error;
    const message = (error as Error).message;
    if (/file is not a database|malformed/i.test(message)) {
      throw new EngineError('bad_input', `${path}: not a Unitscope project (${message})`, { file: path, cause: error });
    }
    throw error;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewerSchema(db: Db, path: string): void {
  const current = schemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) {
    throw new EngineError(
      'unsupported',
      `${path}: this project was written by a newer Unitscope (schema ${current}, this version reads up to ${LATEST_SCHEMA_VERSION}); update Unitscope to open it`,
      { file: path },
    );
  }
}

function migrate(db: Db, path: string, readonly: boolean): void {
  const current = schemaVersion(db);
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (pending.length === 0) return;
  if (readonly) {
    throw new EngineError('conflict', `${path}: the project needs a schema upgrade and was opened read-only`, { file: path });
  }
  // All pending steps in one transaction: a failed upgrade leaves the file exactly as it was.
  db.transaction(() => {
    for (const step of pending) {
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    }
  }).immediate();
}
