// `project check`: the full integrity check of a project file (docs/storage.md "Damage and recovery").
// Reads only, through its own read-only connection that does not refuse a damaged file (it reports the
// damage instead): the header and root pages (the open-time check), SQLite's integrity_check over every
// page, then every stored checksum. A project from before checksums (schema < 120) gets SQLite's checks
// only, and says so.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { resolve } from 'node:path';
import type { Progress } from '../contract/protocol.ts';
import type { ProjectCheckReport, ProjectDamage } from '../contract/types.ts';
import { recoveryFor, throwIfAborted } from './errors.ts';
import { ProgressMeter } from './jobs/progress-meter.ts';
import { openForCheck, schemaVersion, type Db } from './storage/database.ts';
import { headerProblems, rootPageProblems, type FileHeader } from './storage/file-integrity.ts';
import { CHECKSUMS_SINCE, checksummedRows, integrityCheck, pageCount, verifyChecksums } from './storage/full-check.ts';

/** Rows verified between two looks at the cancel signal (and two progress events). */
const ROWS_PER_TURN = 256;

export interface CheckOptions {
  signal?: AbortSignal | undefined;
  progress?: ((progress: Progress) => void) | undefined;
}

const fileDamage = (problem: string): ProjectDamage => ({ where: 'the file', problem, recovery: recoveryFor(null) });

/** The step's result, or `fallback` with the failure that stopped it recorded (a damaged file can fail any read). */
function attempt<T>(damage: ProjectDamage[], step: string, run: () => T, fallback: T): T {
  try {
    return run();
  } catch (error) {
    damage.push(fileDamage(`${step} could not finish (${(error as Error).message})`));
    return fallback;
  }
}

function sqliteChecks(db: Db, path: string, header: FileHeader | null, damage: ProjectDamage[]): void {
  if (header) damage.push(...attempt(damage, 'reading the root pages', () => rootPageProblems(db, path, header), []).map(fileDamage));
  damage.push(...attempt(damage, 'SQLite integrity_check', () => integrityCheck(db), []).map((message) => fileDamage(`SQLite integrity_check: ${message}`)));
}

export async function checkProject(path: string, options: CheckOptions = {}): Promise<ProjectCheckReport> {
  const full = resolve(path);
  const opened = openForCheck(full);
  const { header, problems } = headerProblems(full);
  const damage = problems.map(fileDamage);
  if ('unreadable' in opened) {
    damage.push(fileDamage(`SQLite cannot open it (${opened.unreadable})`));
    return { path: full, ok: false, damage, pages: 0, checksums: 0, note: null };
  }
  const db = opened;
  try {
    const report = options.progress ?? (() => {});
    report({ phase: 'integrity_check', done: 0, total: 1 });
    sqliteChecks(db, full, header, damage);
    throwIfAborted(options.signal, 'project check');
    const version = attempt(damage, 'reading the schema version', () => schemaVersion(db), null);
    const sealed = version !== null && version >= CHECKSUMS_SINCE;
    let checksums = 0;
    if (sealed) {
      const meter = new ProgressMeter('checksums', checksummedRows(db), report, 'rows');
      for (const finding of verifyChecksums(db)) {
        checksums++;
        if (finding.damage) damage.push({ ...finding.damage, recovery: recoveryFor(finding.table) });
        if (checksums % ROWS_PER_TURN === 0) {
          meter.tick(ROWS_PER_TURN);
          await nextTurn();
          throwIfAborted(options.signal, 'project check');
        }
      }
    }
    const pages = attempt(damage, 'counting the pages', () => pageCount(db), 0);
    return {
      path: full,
      ok: damage.length === 0,
      damage,
      pages,
      checksums,
      note: sealed || version === null ? null : `written before checksums (schema ${version}): only SQLite's own checks apply until the project is next opened for writing, which adds them`,
    };
  } finally {
    db.close();
  }
}
