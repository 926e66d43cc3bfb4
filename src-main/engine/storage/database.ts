// Opening a project file: the only place that imports better-sqlite3 (lint enforces it). A project is one
// SQLite file with numbered migrations; `user_version` holds the schema version, and a file written by a
// newer Unitscope is refused rather than guessed at.
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError } from '../errors.ts';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations/index.ts';
import { checkProjectMarker, markNewProject } from './project-marker.ts';
import { damagedProject } from './damage.ts';
import { headerProblems, rootPageProblems, walHasContent, type FileHeader } from './file-integrity.ts';

// URI file names ("file:...?immutable=1", for projects on read-only media) are off in better-sqlite3's
// build; SQLite reads this switch once, when the first connection of the process opens.
process.env.SQLITE_USE_URI ??= '1';

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

/** Why `path` (the project file) cannot be written here, or null when it and its folder can. */
export function whyReadOnly(path: string): string | null {
  const denied = (target: string) => {
    try {
      accessSync(target, constants.W_OK);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EACCES';
      return code === 'ENOENT' ? null : code; // a file still to be made needs only its folder
    }
  };
  const file = denied(path);
  if (file) return file === 'EROFS' ? 'it is on a read-only file system' : 'the file is read-only';
  // SQLite writes its WAL and shared-memory files beside the project.
  const folder = denied(dirname(path));
  if (folder) return folder === 'EROFS' ? 'it is on a read-only file system' : 'its folder is read-only';
  return null;
}

/**
 * A read-only connection. In WAL mode even a reader needs the -shm file beside the project; where the
 * folder cannot take one (read-only media) and no WAL holds changes that are not yet in the file, the file
 * is opened immutable: nothing can change it there, so SQLite may read it without its locking files.
 */
function openReader(path: string): Db {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('user_version'); // opens the file now, so a missing -shm shows here
    return db;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_CANTOPEN') || whyReadOnly(path) === null || walHasContent(path)) throw error;
    return new Database(`${pathToFileURL(path).href}?immutable=1`, { readonly: true, fileMustExist: true });
  }
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const exists = existsSync(path);
  if (!exists && !options.create) {
    throw new EngineError('not_found', `${path}: no such project file`, { file: path });
  }
  if (exists) checkLooksLikeSqlite(path);
  // The cheap integrity check (file-integrity.ts) comes before any write, and before any read serves data.
  const header = exists ? checkedHeader(path) : null;
  if (!options.readonly) {
    const why = whyReadOnly(path);
    if (why) throw readOnlyProject(path, why);
  }
  let db: Db;
  try {
    db = options.readonly ? openReader(path) : new Database(path, { fileMustExist: !options.create });
  } catch (error) {
    throw new EngineError('io', `${path}: cannot open project (${(error as Error).message})`, { file: path, cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Only a file with the app's marker is a project; nothing below may write to another app's file.
    const { needsMark } = exists ? checkProjectMarker(db, path) : { needsMark: true };
    if (header) refuseDamage(path, rootPageProblems(db, path, header));
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
    if (corruption(error)) throw damagedProject(path, `SQLite: ${message}`, null);
    if (/file is not a database/i.test(message)) {
      throw new EngineError('bad_input', `${path}: not a Unitscope project (${message})`, { file: path, cause: error });
    }
    throw error;
  }
  return db;
}

/** SQLite's complaint when it takes the file for damaged, else null. */
function corruption(error: unknown): string | null {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  return code.startsWith('SQLITE_CORRUPT') || /malformed/i.test(message) ? message : null;
}

/**
 * A read-only connection for `project check`, or what SQLite said when the file is too damaged to open:
 * the open-time integrity refusal and the schema upgrade are left out (the check reports damage instead of
 * refusing, and reads a project of any older schema).
 */
export function openForCheck(path: string): Db | { unreadable: string } {
  if (!existsSync(path)) throw new EngineError('not_found', `${path}: no such project file`, { file: path });
  checkLooksLikeSqlite(path);
  let db: Db;
  try {
    db = openReader(path);
  } catch (error) {
    const complaint = corruption(error);
    if (complaint) return { unreadable: complaint };
    throw new EngineError('io', `${path}: cannot open project (${(error as Error).message})`, { file: path, cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    checkProjectMarker(db, path);
    refuseNewerSchema(db, path);
  } catch (error) {
    db.close();
    const complaint = corruption(error);
    if (complaint) return { unreadable: complaint };
    throw error;
  }
  return db;
}

/** Problems named in one refusal line; `project check` lists them all. */
const PROBLEMS_NAMED = 3;

function refuseDamage(path: string, problems: string[]): void {
  if (problems.length === 0) return;
  const more = problems.length - PROBLEMS_NAMED;
  throw damagedProject(path, `${problems.slice(0, PROBLEMS_NAMED).join('; ')}${more > 0 ? `; and ${more} more` : ''}`, null);
}

function checkedHeader(path: string): FileHeader {
  const { header, problems } = headerProblems(path);
  refuseDamage(path, problems);
  return header!;
}

/** The refusal of a write to a project that cannot be written: reads still work. */
export function readOnlyProject(path: string, why: string): EngineError {
  return new EngineError('io', `${path}: the project is read-only (${why}); it can be read (project info, results, export) but not changed: make the file and its folder writable, or work on a copy`, { file: path });
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

/** A project from an older Unitscope opened read-only: reading it needs its schema upgraded first. */
export class OutdatedSchema extends EngineError {
  constructor(path: string, version: number) {
    super('conflict', `${path}: the project was written by an older Unitscope (schema ${version}) and needs an upgrade before it can be read, which needs the file and its folder to be writable`, { file: path });
  }
}

function migrate(db: Db, path: string, readonly: boolean): void {
  const current = schemaVersion(db);
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (pending.length === 0) return;
  if (readonly) throw new OutdatedSchema(path, current);
  // All pending steps in one transaction: a failed upgrade leaves the file exactly as it was.
  db.transaction(() => {
    for (const step of pending) {
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    }
  }).immediate();
}
