// Renaming, duplicating and deleting a project: the .unitscope file moves together with its NAME.files/
// folder, and the stored image paths are rebased so referenced stimuli stay found and owned files
// (copies, scrambles) follow the project. Each holds the project's write lock to itself while it works:
// a run in progress (in any process) makes them wait their turn instead of moving or deleting the file
// under it, which would lose everything the run stores.
import { cpSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { EngineError } from '../errors.ts';
import { taken } from '../owned-files.ts';
import type { Engine } from '../engine.ts';
import { Project, PROJECT_EXTENSION } from '../project.ts';
import { setMeta, copyDatabaseTo } from '../storage/project-store.ts';
import { rebaseImagePaths } from '../storage/stimuli-store.ts';
import { rebaseModelPaths } from '../storage/models-store.ts';
import { withExclusiveLock } from '../storage/project-lock.ts';

function filesDirOf(path: string): string {
  return resolve(dirname(path), `${basename(path, PROJECT_EXTENSION)}.files`);
}

function checkTarget(path: string): string {
  const full = resolve(path);
  if (extname(full) !== PROJECT_EXTENSION) throw new EngineError('validation', `${full}: a project file must end in ${PROJECT_EXTENSION}`, { file: full });
  if (taken(full)) throw new EngineError('conflict', `${full}: a file already exists at this path`, { file: full });
  if (taken(filesDirOf(full))) throw new EngineError('conflict', `${filesDirOf(full)}: a folder already exists at this path`, { file: filesDirOf(full) });
  return full;
}

/** Maps a path under the old files folder to the same place under the new one; others stay as they are. */
function follow(oldFilesDir: string, newFilesDir: string): (path: string) => string {
  return (path) => {
    const rel = relative(oldFilesDir, path);
    return rel.startsWith('..') || rel.startsWith(sep) || rel === path ? path : resolve(newFilesDir, rel);
  };
}

/** Rebases every stored path (stimuli and models) for a project file moving from `from` to `to`. */
function rebasePaths(project: Project, from: string, to: string, map: (path: string) => string): void {
  rebaseImagePaths(project.db, dirname(from), dirname(to), map);
  rebaseModelPaths(project.db, from, to, map);
}

/** Renames (or moves) a project file and its files folder; optionally sets a new display name. */
export function renameProject(engine: Engine, path: string, to: string | undefined, name: string | undefined): Project {
  return withExclusiveLock(resolve(path), 'renaming the project', () => renameLocked(engine, path, to, name));
}

function renameLocked(engine: Engine, path: string, to: string | undefined, name: string | undefined): Project {
  const source = engine.project(path);
  if (to === undefined || resolve(to) === source.path) {
    if (name !== undefined) setMeta(source.db, 'name', name);
    return source;
  }
  const target = checkTarget(to);
  const oldFilesDir = source.filesDir;
  const newFilesDir = filesDirOf(target);
  // Rebase first, while the old paths still resolve; a failed move below restores them.
  rebasePaths(source, source.path, target, follow(oldFilesDir, newFilesDir));
  setMeta(source.db, 'name', name ?? basename(target, PROJECT_EXTENSION));
  const oldPath = source.path;
  engine.closeProject(oldPath); // checkpoints the WAL into the main file
  try {
    renameSync(oldPath, target);
  } catch (error) {
    const reopened = engine.project(oldPath);
    rebasePaths(reopened, target, oldPath, follow(newFilesDir, oldFilesDir));
    throw new EngineError('io', `cannot move ${oldPath} to ${target} (${(error as Error).message})`, { file: target, cause: error });
  }
  if (existsSync(oldFilesDir)) renameSync(oldFilesDir, newFilesDir);
  return engine.project(target);
}

/** A copy of the project at `to`, with its own copy of the files folder. */
export function duplicateProject(engine: Engine, path: string, to: string, name: string | undefined): Project {
  return withExclusiveLock(resolve(path), 'duplicating the project', () => duplicateLocked(engine, path, to, name));
}

function duplicateLocked(engine: Engine, path: string, to: string, name: string | undefined): Project {
  const source = engine.project(path);
  const target = checkTarget(to);
  copyDatabaseTo(source.db, target);
  try {
    if (existsSync(source.filesDir)) cpSync(source.filesDir, filesDirOf(target), { recursive: true });
    const copy = engine.project(target);
    rebasePaths(copy, source.path, target, follow(source.filesDir, copy.filesDir));
    setMeta(copy.db, 'name', name ?? basename(target, PROJECT_EXTENSION));
    return copy;
  } catch (error) {
    engine.closeProject(target);
    rmSync(target, { force: true });
    rmSync(filesDirOf(target), { recursive: true, force: true });
    throw error;
  }
}

/** Deletes the project file, its WAL/SHM companions and its files folder. Referenced stimuli stay. */
export function deleteProject(engine: Engine, path: string): { path: string; removed: string[] } {
  const full = resolve(path);
  if (!existsSync(full)) throw new EngineError('not_found', `${full}: no such project file`, { file: full });
  return withExclusiveLock(full, 'deleting the project', () => deleteLocked(engine, full));
}

function deleteLocked(engine: Engine, full: string): { path: string; removed: string[] } {
  // Opening proves it is a Unitscope project (an SQLite file with our schema) before anything is removed.
  const project = engine.project(full);
  const filesDir = project.filesDir;
  engine.closeProject(full);
  const removed: string[] = [];
  for (const file of [full, `${full}-wal`, `${full}-shm`]) {
    if (existsSync(file)) {
      rmSync(file, { force: true });
      removed.push(file);
    }
  }
  if (existsSync(filesDir) && statSync(filesDir).isDirectory()) {
    rmSync(filesDir, { recursive: true, force: true });
    removed.push(filesDir);
  }
  return { path: full, removed };
}
