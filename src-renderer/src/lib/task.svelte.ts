// One long engine call at a time (import, check, scramble, download, demo, run): its progress, a Cancel
// that aborts the call (the engine stops the job), and the outcome as a message or an error.
import type { Progress } from '../../../src-main/contract/protocol.ts';
import { EngineCallError } from '../../../src-main/contract/client.ts';

export type TaskBody<T> = (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>;

export class LongTask {
  progress = $state.raw<Progress | null>(null);
  running = $state(false);
  cancelled = $state(false);
  error = $state<string | null>(null);
  #controller: AbortController | null = null;

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

  cancel(): void {
    this.#controller?.abort();
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
