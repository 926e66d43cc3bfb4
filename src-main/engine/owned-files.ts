// Files the app writes for the user (generated models, copied and scrambled stimuli, the demo set) are
// always new: created exclusively (O_EXCL, which also refuses to write through a symlink), inside the
// folder they belong to. A file the app did not make is never replaced.
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { EngineError } from './errors.ts';

/** Anything at `path`, a dangling symlink included (existsSync would follow it and say no). */
export function taken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function isInsideFolder(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** `path` when it lies inside `folder` (lexically); an internal error otherwise (a name rule was bypassed). */
export function insideFolder(folder: string, path: string): string {
  if (!isInsideFolder(folder, path)) throw new EngineError('internal', `${path}: would be written outside ${folder}`, { file: path });
  return path;
}

export function alreadyExists(path: string, advice: string): EngineError {
  return new EngineError('conflict', `${path}: a file is already there; Unitscope does not replace files (${advice})`, { file: path });
}

function isExists(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

export async function writeNewFile(path: string, data: Uint8Array, advice: string): Promise<void> {
  try {
    await writeFile(path, data, { flag: 'wx' });
  } catch (error) {
    throw isExists(error) ? alreadyExists(path, advice) : error;
  }
}

/**
 * Writes `data` to a new file at `path`. When a file with exactly these bytes is there already (the same
 * generator, the same seed), that is the file asked for and it is left as it is.
 */
export function writeNewOrSameFile(path: string, data: Uint8Array, advice: string): void {
  try {
    writeFileSync(path, data, { flag: 'wx' });
  } catch (error) {
    if (!isExists(error)) throw error;
    const info = lstatSync(path);
    if (!info.isFile() || info.size !== data.length || !readFileSync(path).equals(data)) throw alreadyExists(path, advice);
  }
}
