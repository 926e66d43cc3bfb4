// Long jobs (runs, imports, downloads) registered by id so that any connection can see their progress
// and cancel them, not just the caller that started them (the desktop window may reload mid-run).
import type { Progress } from '../../contract/protocol.ts';
import { EngineError } from '../errors.ts';

export interface JobInfo {
  id: number;
  kind: string;
  label: string;
  startedAt: string;
  progress: Progress | null;
}

export interface JobContext {
  signal: AbortSignal;
  progress(progress: Progress): void;
}

interface Entry {
  info: JobInfo;
  controller: AbortController;
}

export class JobRunner {
  private nextId = 1;
  private readonly jobs = new Map<number, Entry>();
  private readonly listeners = new Set<(job: JobInfo, state: 'progress' | 'ended') => void>();

  /**
   * Runs `work` as a job. The caller's own signal (a cancelled RPC) and `cancel(id)` both abort it;
   * progress goes to the caller and to every listener.
   */
  async run<T>(
    kind: string,
    label: string,
    work: (ctx: JobContext) => Promise<T>,
    caller: { signal?: AbortSignal; progress?: (p: Progress) => void } = {},
  ): Promise<T> {
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort();
    caller.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (caller.signal?.aborted) controller.abort();
    const info: JobInfo = { id: this.nextId++, kind, label, startedAt: new Date().toISOString(), progress: null };
    this.jobs.set(info.id, { info, controller });
    try {
      return await work({
        signal: controller.signal,
        progress: (p) => {
          info.progress = p;
          caller.progress?.(p);
          for (const listener of this.listeners) listener(info, 'progress');
        },
      });
    } finally {
      caller.signal?.removeEventListener('abort', onCallerAbort);
      this.jobs.delete(info.id);
      for (const listener of this.listeners) listener(info, 'ended');
    }
  }

  cancel(id: number): void {
    const entry = this.jobs.get(id);
    if (!entry) throw new EngineError('not_found', `no running job ${id}`);
    entry.controller.abort();
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => ({ ...e.info }));
  }

  onChange(listener: (job: JobInfo, state: 'progress' | 'ended') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
