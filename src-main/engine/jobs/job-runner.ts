// Long calls run as jobs, registered by id so that any connection can list them, follow their progress
// and cancel them, not just the caller that started them (a desktop window may reload mid-run, a
// browser reconnect). The dispatcher registers every call the contract declares long (dispatch.ts).
import type { JobEnded, JobInfo } from '../../contract/jobs.ts';
import type { Progress } from '../../contract/protocol.ts';
import { EngineError, toErrorData } from '../errors.ts';

export interface JobContext {
  signal: AbortSignal;
  progress(progress: Progress): void;
}

interface Entry {
  info: JobInfo;
  controller: AbortController;
  followers: Set<(progress: Progress) => void>;
  ended: Promise<JobEnded>;
}

/**
 * Jobs one engine runs at once. They outlive their connections (dispatch.ts), so a client that starts
 * calls and goes away must not pile up work without end: beyond this, new ones are refused.
 */
const MAX_RUNNING_JOBS = 64;

export class JobRunner {
  private nextId = 1;
  private readonly jobs = new Map<number, Entry>();

  /**
   * Runs `work` as a job. The caller's own signal (the call cancelled) and `cancel(id)` both abort it;
   * progress goes to the caller and to every follower.
   */
  async run<T>(job: Pick<JobInfo, 'method' | 'label' | 'project'>, work: (ctx: JobContext) => Promise<T>, caller: Partial<JobContext> = {}): Promise<T> {
    if (this.jobs.size >= MAX_RUNNING_JOBS) {
      throw new EngineError('conflict', `${MAX_RUNNING_JOBS} jobs are running already; wait for some to finish, or cancel some (job.list, job.cancel)`);
    }
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort();
    caller.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (caller.signal?.aborted) controller.abort();
    const info: JobInfo = { id: this.nextId++, ...job, startedAt: new Date().toISOString(), progress: null };
    let end!: (ended: JobEnded) => void;
    const entry: Entry = { info, controller, followers: new Set(), ended: new Promise((resolve) => (end = resolve)) };
    this.jobs.set(info.id, entry);
    const ended = (status: JobEnded['status'], error: unknown) => end({ id: info.id, method: info.method, status, error: error === null ? null : toErrorData(error) });
    try {
      const result = await work({
        signal: controller.signal,
        progress: (p) => {
          info.progress = p;
          caller.progress?.(p);
          for (const follower of entry.followers) follower(p);
        },
      });
      ended('finished', null);
      return result;
    } catch (error) {
      ended(error instanceof EngineError && error.kind === 'cancelled' ? 'cancelled' : 'failed', error);
      throw error;
    } finally {
      caller.signal?.removeEventListener('abort', onCallerAbort);
      this.jobs.delete(info.id);
    }
  }

  private entry(id: number): Entry {
    const entry = this.jobs.get(id);
    if (!entry) throw new EngineError('not_found', `no running job ${id} (it finished, or never ran here)`);
    return entry;
  }

  cancel(id: number): void {
    this.entry(id).controller.abort();
  }

  /** Cancels every running job (the engine is closing: nothing may go on writing its projects). */
  cancelAll(): void {
    for (const entry of this.jobs.values()) entry.controller.abort();
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => ({ ...e.info }));
  }

  /**
   * Follows a running job: its progress (the last report at once, then every report) goes to
   * `ctx.progress`, and the promise resolves with how it ended. Aborting `ctx.signal` stops following
   * only; the job goes on.
   */
  follow(id: number, ctx: JobContext): Promise<JobEnded> {
    const entry = this.entry(id);
    return new Promise((resolve, reject) => {
      const follower = (p: Progress) => ctx.progress(p);
      const stop = () => {
        entry.followers.delete(follower);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        stop();
        reject(new EngineError('cancelled', `following job ${id} was cancelled (the job goes on)`));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      entry.followers.add(follower);
      if (entry.info.progress) follower(entry.info.progress);
      void entry.ended.then((ended) => {
        stop();
        resolve(ended);
      });
    });
  }
}

/** A job's label and project from its call: the method and the arguments that say what it works on. */
export function describeCall(method: string, args: unknown): Pick<JobInfo, 'method' | 'label' | 'project'> {
  const fields = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  const named = ['model', 'name', 'id', 'run', 'runs', 'layer', 'category', 'source', 'kind']
    .map((key) => fields[key])
    .filter((v) => typeof v === 'string' || typeof v === 'number' || Array.isArray(v))
    .map((v) => (Array.isArray(v) ? v.join(',') : String(v)));
  return { method, label: [method, ...named].join(' '), project: typeof fields.path === 'string' ? fields.path : null };
}
