import { describe, expect, it } from 'vitest';
import { JobRunner } from '../../src-main/engine/jobs/job-runner.ts';
import { ProgressMeter } from '../../src-main/engine/jobs/progress-meter.ts';
import { throwIfAborted } from '../../src-main/engine/errors.ts';
import type { Progress } from '../../src-main/contract/protocol.ts';

describe('job runner', () => {
  it('reports progress to the caller and listeners, lists the job while it runs, forgets it after', async () => {
    const runner = new JobRunner();
    const seen: Progress[] = [];
    const events: string[] = [];
    runner.onChange((job, state) => events.push(`${job.kind}:${state}`));
    const result = await runner.run(
      'import',
      'import faces',
      async (ctx) => {
        expect(runner.list()).toHaveLength(1);
        ctx.progress({ phase: 'importing', done: 1, total: 2 });
        ctx.progress({ phase: 'importing', done: 2, total: 2 });
        return 42;
      },
      { progress: (p) => seen.push(p) },
    );
    expect(result).toBe(42);
    expect(seen.map((p) => p.done)).toEqual([1, 2]);
    expect(events).toEqual(['import:progress', 'import:progress', 'import:ended']);
    expect(runner.list()).toHaveLength(0);
  });

  it('cancels a job by id and through the caller signal', async () => {
    const runner = new JobRunner();
    const work = async (ctx: { signal: AbortSignal }) => {
      for (;;) {
        throwIfAborted(ctx.signal, 'the job');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const byId = runner.run('run', 'a', work);
    runner.cancel(runner.list()[0]!.id);
    await expect(byId).rejects.toMatchObject({ kind: 'cancelled' });

    const caller = new AbortController();
    const bySignal = runner.run('run', 'b', work, { signal: caller.signal });
    caller.abort();
    await expect(bySignal).rejects.toMatchObject({ kind: 'cancelled' });
    expect(() => runner.cancel(999)).toThrow(/no running job/);
  });
});

describe('progress meter', () => {
  it('computes the rate over recent ticks and the ETA from it', () => {
    let now = 0;
    const reports: Progress[] = [];
    const meter = new ProgressMeter('extracting', 100, (p) => reports.push(p), 'images', () => now);
    for (let i = 0; i < 10; i++) {
      now += 500; // 2 images per second
      meter.tick();
    }
    const last = reports.at(-1)!;
    expect(last.done).toBe(10);
    expect(last.rate).toBeCloseTo(2, 10);
    expect(last.etaSeconds).toBeCloseTo(45, 10);
  });

  it('does not count resumed work toward the rate', () => {
    let now = 0;
    const reports: Progress[] = [];
    const meter = new ProgressMeter('extracting', 100, (p) => reports.push(p), 'images', () => now);
    meter.resumeAt(50);
    now += 1000;
    meter.tick(5);
    expect(reports.at(-1)).toMatchObject({ done: 55, rate: 5 });
  });
});
