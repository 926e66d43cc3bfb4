// One progress bar over a whole study: each step (a model's run, a consistency pass, a comparison) has a
// weight, and the inner job's own progress moves the bar within its step. The bar reads in percent of
// the study, with the step named in the message, and an ETA from the elapsed time; it never goes back.
import type { Progress } from '../../contract/protocol.ts';

export interface StudyStep {
  label: string;
  weight: number;
}

/** Where a run's progress sits within its step: extraction first, then the analysis of each layer. */
function runFraction(p: Progress): number {
  const inner = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  if (p.phase === 'extraction') return 0.8 * inner;
  if (p.phase === 'analysis') return 0.8 + 0.2 * inner;
  return inner;
}

export class StudyProgress {
  private readonly total: number;
  private doneWeight = 0;
  /** How far the step in progress has come: inner jobs with several phases never move the bar back. */
  private stepProgress = { index: -1, fraction: 0 };
  private readonly started = Date.now();

  constructor(
    private readonly steps: readonly StudyStep[],
    private readonly report: (p: Progress) => void,
  ) {
    this.total = steps.reduce((s, step) => s + step.weight, 0) || 1;
  }

  /** Reports the step's inner progress; `index` is the step's position in the list given. */
  within(index: number, p: Progress): void {
    const step = this.steps[index]!;
    if (this.stepProgress.index !== index) this.stepProgress = { index, fraction: 0 };
    this.stepProgress.fraction = Math.max(this.stepProgress.fraction, runFraction(p));
    this.emit(this.doneWeight + step.weight * this.stepProgress.fraction, `${step.label}: ${p.phase} ${p.done}/${p.total} ${p.unit ?? ''}`.trim());
  }

  /** Marks a step as done (or skipped). */
  complete(index: number): void {
    this.doneWeight += this.steps[index]!.weight;
    this.emit(this.doneWeight, `${this.steps[index]!.label}: done`);
  }

  private emit(weight: number, message: string): void {
    const fraction = Math.min(1, weight / this.total);
    const elapsed = (Date.now() - this.started) / 1000;
    const etaSeconds = fraction > 0.01 && fraction < 1 ? (elapsed * (1 - fraction)) / fraction : undefined;
    this.report({ phase: 'study', done: Math.round(fraction * 1000) / 10, total: 100, unit: '%', message, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
  }
}
