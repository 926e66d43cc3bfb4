// A project: one stimulus set, its model library and its runs, in one SQLite file (NAME.unitscope).
// Files the project owns (copied stimuli, generated scrambles, models) live in a sibling folder
// NAME.files/ so the pair can be moved together.
import { basename, dirname, extname, join, resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { ProjectInfo, RunSummary } from '../contract/types.ts';
import { PROJECT_EXTENSION } from '../contract/paths.ts';
import { EngineError } from './errors.ts';
import { openDatabase, schemaVersion, type Db } from './storage/database.ts';
import { holdsWriteLock, lockHolder, type LockOwner } from './storage/project-lock.ts';
import { listModelRows } from './storage/models-store.ts';
import { countRows, getMeta, setMeta, storedBytes } from './storage/project-store.ts';
import { listRuns, markRunningInterrupted, runTimings } from './storage/runs-store.ts';
import { listCategories, listImageKeys } from './storage/stimuli-store.ts';
import { APP_VERSION } from './version.ts';

export { PROJECT_EXTENSION };

export class Project {
  readonly path: string;
  readonly db: Db;

  private constructor(path: string, db: Db) {
    this.path = path;
    this.db = db;
  }

  static create(path: string, name?: string): Project {
    const full = resolve(path);
    if (extname(full) !== PROJECT_EXTENSION) {
      throw new EngineError('validation', `${full}: a project file must end in ${PROJECT_EXTENSION}`, { file: full });
    }
    let exists = false;
    try {
      exists = statSync(full).isFile();
    } catch {
      exists = false;
    }
    if (exists) throw new EngineError('conflict', `${full}: a project already exists at this path`, { file: full });
    const db = openDatabase(full, { create: true });
    const project = new Project(full, db);
    db.transaction(() => {
      setMeta(db, 'name', name ?? basename(full, PROJECT_EXTENSION));
      setMeta(db, 'created_at', new Date().toISOString());
      setMeta(db, 'created_by', APP_VERSION);
    })();
    return project;
  }

  static open(path: string, options: { readonly?: boolean } = {}): Project {
    const full = resolve(path);
    // While another process holds the write lock (a run in progress) this process gets read-only access;
    // with no live holder, runs still marked 'running' belong to a dead process and become 'interrupted'.
    const holder = options.readonly || holdsWriteLock(full) ? null : lockHolder(full);
    const readonly = options.readonly === true || holder !== null;
    const db = openDatabase(full, { readonly });
    if (!readonly && !holdsWriteLock(full)) markRunningInterrupted(db);
    const project = new Project(full, db);
    project.lockedBy = holder;
    return project;
  }

  /** The other process writing this project when it was opened (then this connection is read-only). */
  lockedBy: LockOwner | null = null;

  get name(): string {
    return getMeta(this.db, 'name') ?? basename(this.path, PROJECT_EXTENSION);
  }

  /** Folder for the files the project owns. */
  get filesDir(): string {
    return join(dirname(this.path), `${basename(this.path, PROJECT_EXTENSION)}.files`);
  }

  /** Every file and folder the project reads or writes: its files folder, its stimuli and its models. */
  *referencedFiles(): Generator<string> {
    yield this.filesDir;
    const base = dirname(this.path);
    for (const key of listImageKeys(this.db, base)) yield key.path;
    for (const model of listModelRows(this.db, this.path)) yield model.path;
  }

  info(): ProjectInfo {
    let bytes = 0;
    const fileSizes: number[] = [];
    for (const suffix of ['', '-wal']) {
      try {
        const size = statSync(this.path + suffix).size;
        fileSizes.push(size);
        bytes += size;
      } catch {
        // no WAL file right now
        fileSizes.push(0);
      }
    }
    return {
      sizes: { file: fileSizes[0]!, wal: fileSizes[1]!, ...storedBytes(this.db) },
      runTimings: runTimings(this.db),
      path: this.path,
      name: this.name,
      schemaVersion: schemaVersion(this.db),
      appVersion: APP_VERSION,
      bytes,
      categories: listCategories(this.db),
      imageCount: countRows(this.db, 'images'),
      modelCount: countRows(this.db, 'models'),
      runs: this.runs(),
    };
  }

  /**
   * The project's runs. Through a read-only connection nothing marks a killed process's run interrupted
   * (that is a write), so a run still 'running' with nobody holding the write lock is shown as what it is.
   */
  runs(): RunSummary[] {
    const runs = listRuns(this.db);
    if (!this.db.readonly || !runs.some((r) => r.status === 'running') || lockHolder(this.path) !== null) return runs;
    return runs.map((r) => (r.status === 'running' ? { ...r, status: 'interrupted' } : r));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
