// The one lifecycle every run goes through, whichever way it starts (a new run, a resume, a reanalysis,
// a merge of shards): take the project's write lock, create or reopen the run record, do the work, and
// either finish the run with its timings or record why it stopped. A process killed anywhere leaves a
// valid file: the run shows 'interrupted' on the next open (it was 'running' without a live lock holder).
import type { Progress } from '../../contract/protocol.ts';
import { EngineError } from '../errors.ts';
import type { Project } from '../project.ts';
import { acquireWriteLock } from '../storage/project-lock.ts';
import { finishRun, setRunStatus } from '../storage/runs-store.ts';
import { updateRunManifest, withTimings, type RunTimings } from './run-manifest.ts';

export interface RunHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
  /** Called once the run record exists (the CLI prints the id early so a crash still names it). */
  onCreated?: ((run: number) => void) | undefined;
}

/** SQLite and the OS report a full disk in their own words: say which file and what to do. */
function explainDiskError(project: Project, runId: number, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new EngineError('io', `${project.path}: the disk is full while writing run #${runId}; the project is unchanged since the last checkpoint. Free some space and continue with: run --resume ${runId}`, {
      file: project.path,
      cause: error,
    });
  }
  return error;
}

function recordFailure(project: Project, runId: number, error: unknown): void {
  const cancelled = error instanceof EngineError && error.kind === 'cancelled';
  try {
    setRunStatus(project.db, runId, cancelled ? 'cancelled' : 'failed', cancelled ? null : (error as Error).message);
  } catch {
    // The disk may be what failed: the run then stays 'running' and the next open shows it interrupted.
  }
}

function finish(project: Project, runId: number, timings: RunTimings): void {
  project.db.transaction(() => {
    updateRunManifest(project, runId, (m) => withTimings(m, timings));
    finishRun(project.db, runId, timings.totalSeconds);
  }).immediate();
}

export interface RunLifecycle {
  /** What holds the write lock, for the message another writer gets ("a run", "resuming run #3"). */
  purpose: string;
  /** Creates the run record (or reopens an existing run) and marks it running; returns its id. */
  open(): number | Promise<number>;
  /** The run's work; returns the phase timings (the total is measured here). */
  work(runId: number): Promise<Omit<RunTimings, 'totalSeconds'>>;
}

/** Carries a run through its lifecycle; returns its id once it is finished (or throws why it stopped). */
export async function carryRun(project: Project, lifecycle: RunLifecycle, hooks: RunHooks): Promise<number> {
  const lock = acquireWriteLock(project.path, lifecycle.purpose);
  try {
    const runId = await lifecycle.open();
    hooks.onCreated?.(runId);
    const started = performance.now();
    try {
      const timings = await lifecycle.work(runId);
      finish(project, runId, { ...timings, totalSeconds: (performance.now() - started) / 1000 });
    } catch (error) {
      recordFailure(project, runId, error);
      throw explainDiskError(project, runId, error);
    }
    return runId;
  } finally {
    lock.release();
  }
}
