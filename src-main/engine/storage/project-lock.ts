// The project's write lock: one process at a time runs analyses on a project. SQLite already serialises
// individual transactions, but a run writes for minutes in many transactions, and a second writer
// interleaving its own run (or marking ours interrupted) would corrupt the meaning of the data even
// though the file stays valid. The lock is a sibling file NAME.unitscope.lock created with O_EXCL and
// holding the owner's pid and process start time; a lock whose process is gone (SIGKILL, power loss) is
// stale and is taken over. Readers never need it: WAL lets them read while the writer writes.
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { EngineError } from '../errors.ts';

export interface LockOwner {
  pid: number;
  /** Kernel start time of the process (Linux /proc), to tell a reused pid from the owner. */
  startTime: string | null;
  host: string;
  purpose: string;
  since: string;
}

function lockPath(projectPath: string): string {
  return `${projectPath}.lock`;
}

function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the ")" that closes the command name, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // cannot check another machine's processes: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStartTime(owner.pid);
  return owner.startTime === null || start === null || start === owner.startTime;
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A lock file cut short by a crash while it was written: treat as stale.
    return null;
  }
}

/** The live process holding the project's write lock, or null (no lock or a stale one). */
export function lockHolder(projectPath: string): LockOwner | null {
  const owner = readOwner(lockPath(projectPath));
  return owner && isAlive(owner) ? owner : null;
}

export interface ProjectLock {
  readonly owner: LockOwner;
  release(): void;
}

/** Locks held by this process, by project path: re-entrant so nested writers in one process share it. */
const held = new Map<string, { lock: ProjectLock; depth: number }>();

function describe(owner: LockOwner, projectPath: string): string {
  return `${projectPath}: the project is being written by another process (pid ${owner.pid} on ${owner.host}, ${owner.purpose}, since ${owner.since}); its results can be read meanwhile, try again when it has finished`;
}

export function acquireWriteLock(projectPath: string, purpose: string): ProjectLock {
  const existing = held.get(projectPath);
  if (existing) {
    existing.depth++;
    return existing.lock;
  }
  const path = lockPath(projectPath);
  const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), purpose, since: new Date().toISOString() };
  const body = JSON.stringify(owner);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EngineError('io', `${path}: cannot create the project lock (${(error as Error).message})`, { file: path, cause: error });
      }
      const other = readOwner(path);
      if (other && isAlive(other)) throw new EngineError('conflict', describe(other, projectPath), { file: projectPath });
      // Stale: move it aside atomically, so two processes breaking the same stale lock cannot both win.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch {
        // someone else broke it first; retry the exclusive create
      }
      continue;
    }
    try {
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    const lock: ProjectLock = {
      owner,
      release() {
        const entry = held.get(projectPath);
        if (!entry) return;
        if (--entry.depth > 0) return;
        held.delete(projectPath);
        const current = readOwner(path);
        if (current && current.pid === owner.pid && current.since === owner.since) rmSync(path, { force: true });
      },
    };
    held.set(projectPath, { lock, depth: 1 });
    return lock;
  }
  throw new EngineError('conflict', `${projectPath}: could not take the project lock (it kept changing hands)`, { file: projectPath });
}

/** Whether this process holds the lock (a run of ours is in progress). */
export function holdsWriteLock(projectPath: string): boolean {
  return held.has(projectPath);
}
