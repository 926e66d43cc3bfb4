// One long engine call at a time (import, check, scramble, download, demo, run): its progress, a Cancel
// that aborts the call (the engine stops the job), and the outcome as a message or an error. A long call
// runs as a job of the engine and outlives the page's connection, so after a reload the page finds it
// again (job.list) and follows it here (job.follow); Cancel then cancels the job itself (job.cancel).
import type { Progress } from '../../../src-main/contract/protocol.ts';
import type { JobEnded, JobInfo } from '../../../src-main/contract/jobs.ts';
import { EngineCallError } from '../../../src-main/contract/client.ts';
import type { EngineClient } from './engine-connection.ts';

export type TaskBody<T> = (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>;

/** A job of `methods` the engine is running on `project` (started before a reload, or by another window). */
export async function runningJob(engine: EngineClient, methods: readonly string[], project: string): Promise<JobInfo | null> {
  return (await engine.call('job.list', {})).find((job) => methods.includes(job.method) && job.project === project) ?? null;
}

export class LongTask {
  progress = $state.raw<Progress | null>(null);
  running = $state(false);
  cancelled = $state(false);
  error = $state<string | null>(null);
  #controller: AbortController | null = null;
  /** Set while following a job this task did not start: Cancel cancels that job. */
  #cancelJob: (() => void) | null = null;

  /** Runs the call; resolves with its result, or null when it was cancelled or failed (see `error`). */
  async run<T>(body: TaskBody<T>): Promise<T | null> {
    if (this.running) return null;
    const controller = new AbortController();
    this.#controller = controller;
    this.running = true;
    this.cancelled = false;
    this.error = null;
    this.progress = null;
    try {
      return await body(controller.signal, (p) => (this.progress = p));
    } catch (e) {
      if (e instanceof EngineCallError && e.kind === 'cancelled') this.cancelled = true;
      else this.error = e instanceof Error ? e.message : String(e);
      return null;
    } finally {
      this.running = false;
      this.#controller = null;
    }
  }

  /**
   * Follows a job the engine is running already: its progress shows here (the last report at once), and
   * the task ends when the job does. Resolves with how it ended, or null when following failed (see `error`).
   */
  async follow(engine: EngineClient, job: JobInfo): Promise<JobEnded | null> {
    if (this.running) return null;
    this.#cancelJob = () => void engine.call('job.cancel', { id: job.id }).catch((e: unknown) => (this.error = e instanceof Error ? e.message : String(e)));
    try {
      const ended = await this.run((signal, onProgress) => {
        if (job.progress) onProgress(job.progress);
        return engine.call('job.follow', { id: job.id }, { signal, onProgress });
      });
      if (ended?.status === 'cancelled') this.cancelled = true;
      if (ended?.status === 'failed') this.error = ended.error?.message ?? `${job.label} failed`;
      return ended;
    } finally {
      this.#cancelJob = null;
    }
  }

  cancel(): void {
    if (this.#cancelJob) this.#cancelJob();
    else this.#controller?.abort();
  }

  /** Forgets the last outcome (the progress bar disappears). */
  reset(): void {
    if (this.running) return;
    this.progress = null;
    this.error = null;
    this.cancelled = false;
  }
}

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** Bytes as KiB / MiB / GiB for download progress and file sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[i]}`;
}
