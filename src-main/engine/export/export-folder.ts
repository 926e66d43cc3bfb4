// An export folder is replaced whole or not at all. The files are written into a hidden staging folder
// beside it (.NAME.export-PID-START-RANDOM) and only a complete export is moved into place: the earlier
// export is renamed aside (.NAME.previous-export), the new one renamed in, the earlier one removed. A
// kill or a failure at any point leaves the earlier export or the new one, never a mix of the two: a
// failed export removes its staging folder, and whatever a killed one left (a staging folder, an earlier
// export set aside mid-swap) is put right by the next export into the same folder.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EngineError, aboutFile, quoted } from '../errors.ts';
import type { Confinement } from '../path-confinement.ts';
import { isRunning, thisProcess } from '../processes.ts';
import { taken } from '../owned-files.ts';

const MANIFEST = 'manifest.json';
/** Files every export writes besides the ones its manifest lists. */
const ALWAYS = [MANIFEST, 'load.py', 'load.R'];

function stagingPrefix(dir: string): string {
  return `.${basename(dir)}.export-`;
}

function previousPath(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.previous-export`);
}

/** Puts right what a killed export into `dir` left: the earlier export set aside mid-swap, dead staging folders. */
function recover(dir: string): void {
  const previous = previousPath(dir);
  if (taken(previous)) {
    // Set aside and the new one renamed in: the swap finished, only the removal did not; else put it back.
    if (taken(dir)) rmSync(previous, { recursive: true, force: true });
    else renameSync(previous, dir);
  }
  const prefix = stagingPrefix(dir);
  let siblings: string[];
  try {
    siblings = readdirSync(dirname(dir));
  } catch {
    return; // no parent yet: nothing was left
  }
  for (const name of siblings) {
    if (!name.startsWith(prefix)) continue;
    const [pid, startTime] = name.slice(prefix.length).split('-');
    if (!isRunning({ pid: Number(pid), startTime: startTime === 'x' ? null : startTime ?? null })) rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
}

/** The files of the earlier export in `dir` (its manifest lists them), or null when the manifest is not an export's. */
function earlierExportFiles(dir: string): string[] | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { export?: { exportedBy?: unknown; files?: unknown } };
    const { exportedBy, files } = manifest.export ?? {};
    if (typeof exportedBy !== 'string' || !exportedBy.startsWith('unitscope ') || !Array.isArray(files)) return null;
    return [...ALWAYS, ...files.filter((f): f is string => typeof f === 'string')];
  } catch {
    return null;
  }
}

/**
 * What is at `dir` now: nothing, an empty folder, or an earlier export holding only its own files (it is
 * replaced whole, so a folder with anything else in it is refused: those files would go with it).
 */
function folderState(dir: string): 'absent' | 'empty' | 'export' {
  let entries: string[];
  try {
    if (!lstatSync(dir).isDirectory()) throw new EngineError('conflict', `${dir}: not a folder; export into a new or empty folder`, { file: dir });
    entries = readdirSync(dir);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw aboutFile(error, dir, 'cannot read the export folder');
  }
  if (entries.length === 0) return 'empty';
  const own = earlierExportFiles(dir);
  const others = own === null ? entries : entries.filter((e) => !own.includes(e));
  if (others.length > 0) {
    const shown = others.slice(0, 3).map((e) => quoted(e)).join(', ');
    throw new EngineError(
      'conflict',
      `${dir}: the folder holds other files (${shown}${others.length > 3 ? ', ...' : ''}); export into a new or empty folder (or one an earlier export made, holding only its files)`,
      { file: dir },
    );
  }
  return 'export';
}

/**
 * Runs `write(staging)` (which returns the paths it wrote, inside `staging`) and moves the complete export
 * into `dir`; returns the written files' paths inside `dir`. In serve mode the staging folder must lie
 * inside the shared folders too, which rules out exporting into a shared folder itself.
 */
export async function writeExportFolder(dir: string, confinement: Confinement | undefined, write: (staging: string) => Promise<string[]>): Promise<string[]> {
  const parent = dirname(dir);
  const me = thisProcess();
  const staging = join(parent, `${stagingPrefix(dir)}${me.pid}-${me.startTime ?? 'x'}-${randomBytes(4).toString('hex')}`);
  if (confinement && !confinement.allows(staging)) {
    throw new EngineError('conflict', `${dir}: export into a folder inside the shared folders, not a shared folder itself (an export is written beside its folder, then moved in)`, { file: dir });
  }
  try {
    mkdirSync(parent, { recursive: true });
    recover(dir);
  } catch (error) {
    throw aboutFile(error, dir, 'cannot prepare the export folder');
  }
  const state = folderState(dir);
  let written: string[];
  try {
    mkdirSync(staging);
    written = await write(staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw aboutFile(error, dir, 'the export was not written (the folder is as it was)');
  }
  try {
    if (state === 'export') renameSync(dir, previousPath(dir));
    else if (state === 'empty') rmdirSync(dir);
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (taken(previousPath(dir)) && !taken(dir)) renameSync(previousPath(dir), dir);
    throw aboutFile(error, dir, 'the export could not be moved into place (the folder is as it was)');
  }
  rmSync(previousPath(dir), { recursive: true, force: true });
  return written.map((file) => join(dir, basename(file)));
}
