// Turns "n more done" ticks into Progress reports with a rate over a recent window and an ETA.
import type { Progress } from '../../contract/protocol.ts';

const WINDOW_MS = 5000;

export class ProgressMeter {
  private done = 0;
  private readonly samples: { at: number; done: number }[] = [];

  constructor(
    private readonly phase: string,
    private readonly total: number,
    private readonly report: (progress: Progress) => void,
    private readonly unit = 'items',
    private readonly now: () => number = Date.now,
  ) {
    this.samples.push({ at: this.now(), done: 0 });
  }

  /** Start from an already-done count (a resumed job) without counting it toward the rate. */
  resumeAt(done: number): void {
    this.done = done;
    this.samples.length = 0;
    this.samples.push({ at: this.now(), done });
    this.emit();
  }

  tick(count = 1, message?: string): void {
    this.done += count;
    const at = this.now();
    this.samples.push({ at, done: this.done });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    this.emit(message);
  }

  private emit(message?: string): void {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    const rate = seconds > 0 ? (last.done - first.done) / seconds : undefined;
    const remaining = this.total - this.done;
    const progress: Progress = { phase: this.phase, done: this.done, total: this.total, unit: this.unit };
    if (rate !== undefined && rate > 0) {
      progress.rate = rate;
      progress.etaSeconds = remaining / rate;
    }
    if (message !== undefined) progress.message = message;
    this.report(progress);
  }
}
