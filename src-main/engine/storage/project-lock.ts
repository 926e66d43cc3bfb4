// The project's write lock: one process at a time runs analyses on a project, or moves or deletes it.
// SQLite already serialises individual transactions, but a run writes for minutes in many transactions,
// and a second writer interleaving its own run (or marking ours interrupted, or deleting the file under
// it) would corrupt the meaning of the data even though the file stays valid.
//
// The lock is an advisory lock of the operating system (an open file description lock on Linux, flock on
// macOS, LockFileEx on Windows; fs-native-extensions) on the sibling file NAME.unitscope.lock, held on an
// open descriptor for as long as the work lasts. The kernel takes it and releases it atomically, also when
// the process dies however it dies (SIGKILL, power loss): a lock is never half-taken and never stale, so
// nothing has to guess from a file's contents whether its owner is alive. The file's text names the
// owner (pid, host, purpose, since) for messages only; it is written once the lock is held and never
// decides who holds it. Readers never need the lock: WAL lets them read while the writer writes.
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { tryLock, unlock } from 'fs-native-extensions';
import { EngineError } from '../errors.ts';

export interface LockOwner {
  pid: number;
  host: string;
  purpose: string;
  since: string;
}

function lockPath(projectPath: string): string {
  return `${projectPath}.lock`;
}

/**
 * The locked byte lies past the owner text: Windows' locks also bar reading the locked range, and the
 * text must stay readable (Linux and macOS locks are advisory; macOS locks the whole file).
 */
const LOCK_OFFSET = 1 << 30;
/** A reader's look (a shared lock for a moment) can make an acquirer's attempt fail: it tries again for this long. */
const RETRY_MS = 100;
const RETRY_STEP_MS = 5;

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The owner text, read a few times over when it is being written at that moment. */
function readOwner(path: string): LockOwner | null {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
      if (typeof owner.pid === 'number' && typeof owner.purpose === 'string') return owner as LockOwner;
    } catch {
      // missing, empty or cut short while it is written: look again
    }
    pause(RETRY_STEP_MS);
  }
  return null;
}

/** The process holding the project's write lock (this one included), or null when nobody holds it. */
export function lockHolder(projectPath: string): LockOwner | null {
  const path = lockPath(projectPath);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null; // no lock file: never locked, or released
  }
  try {
    if (tryLock(fd, LOCK_OFFSET, 1, { shared: true })) {
      unlock(fd, LOCK_OFFSET, 1);
      return null; // the file of a holder that ended: nobody holds it
    }
    const own = held.get(projectPath);
    return own ? own.owner : (readOwner(path) ?? { pid: 0, host: 'unknown', purpose: 'unknown work', since: 'unknown' });
  } finally {
    closeSync(fd);
  }
}

export interface ProjectLock {
  readonly owner: LockOwner;
  release(): void;
}

interface Held {
  lock: ProjectLock;
  owner: LockOwner;
  depth: number;
  /** Taken by work that must have the project to itself (moving or deleting it): never shared. */
  exclusive: boolean;
}

/** Locks held by this process, by project path: re-entrant so nested writers in one process share it. */
const held = new Map<string, Held>();

function describe(owner: LockOwner | null, projectPath: string): string {
  const who = owner && owner.pid > 0 ? `pid ${owner.pid} on ${owner.host}, ${owner.purpose}, since ${owner.since}` : 'its owner could not be read';
  return `${projectPath}: the project is being written by another process (${who}); its results can be read meanwhile, try again when it has finished`;
}

export interface LockOptions {
  /**
   * False for work that must have the project to itself (rename, duplicate, delete): refused while this
   * process writes it too (a run in serve mode), and no other work of this process shares it meanwhile.
   */
  shared?: boolean;
}

/** Takes the project's write lock for `purpose`, or throws a conflict naming who holds it. */
export function acquireWriteLock(projectPath: string, purpose: string, options: LockOptions = {}): ProjectLock {
  const shared = options.shared ?? true;
  const existing = held.get(projectPath);
  if (existing) {
    if (existing.exclusive || !shared) {
      throw new EngineError('conflict', `${projectPath}: the project is busy in this process (${existing.owner.purpose}); try again when that has finished`, { file: projectPath });
    }
    existing.depth++;
    return existing.lock;
  }
  const path = lockPath(projectPath);
  const deadline = performance.now() + RETRY_MS;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (error) {
      throw new EngineError('io', `${path}: cannot create the project lock (${(error as Error).message})`, { file: path, cause: error });
    }
    let locked = false;
    try {
      locked = tryLock(fd, LOCK_OFFSET, 1);
      // The file locked must be the one at the path now: a holder that released it unlinked it first.
      if (locked && fstatSync(fd).ino === statOrNull(path)?.ino) return hold(projectPath, path, fd, purpose, !shared);
    } catch (error) {
      closeSync(fd);
      throw new EngineError('io', `${path}: cannot lock the project (${(error as Error).message})`, { file: path, cause: error });
    }
    closeSync(fd); // closing drops the lock too, if it was taken on an unlinked file
    if (!locked && performance.now() > deadline) throw new EngineError('conflict', describe(readOwner(path), projectPath), { file: projectPath });
    pause(RETRY_STEP_MS);
  }
}

function statOrNull(path: string): { ino: number } | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function hold(projectPath: string, path: string, fd: number, purpose: string, exclusive: boolean): ProjectLock {
  const owner: LockOwner = { pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() };
  ftruncateSync(fd, 0);
  writeSync(fd, JSON.stringify(owner));
  const lock: ProjectLock = {
    owner,
    release() {
      const entry = held.get(projectPath);
      if (!entry || entry.lock !== lock) return;
      if (--entry.depth > 0) return;
      held.delete(projectPath);
      // Unlinked while still locked: whoever opens the path next gets a new file, and whoever opened this
      // one meanwhile sees it is no longer at the path and tries again.
      try {
        if (fstatSync(fd).ino === statOrNull(path)?.ino) unlinkSync(path);
      } finally {
        closeSync(fd);
      }
    },
  };
  held.set(projectPath, { lock, owner, depth: 1, exclusive });
  return lock;
}

/** Whether this process holds the lock (a run of ours is in progress). */
export function holdsWriteLock(projectPath: string): boolean {
  return held.has(projectPath);
}

/** Runs `work` holding the project to itself (see LockOptions.shared), released however `work` ends. */
export function withExclusiveLock<T>(projectPath: string, purpose: string, work: () => T): T {
  const lock = acquireWriteLock(projectPath, purpose, { shared: false });
  try {
    return work();
  } finally {
    lock.release();
  }
}
