// Long calls as jobs: the dispatcher registers every call the contract declares long, any connection
// lists, follows and cancels them (job.list, job.follow, job.cancel), and calls not declared long report
// no progress. Also: the handler map refuses a method defined by two domains.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../src-main/contract/client.ts';
import { api, method, type HandlerMap, type Progress } from '../../src-main/contract/index.ts';
import { serveContract } from '../../src-main/engine/dispatch.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { EngineError, throwIfAborted } from '../../src-main/engine/errors.ts';
import { combineHandlers, createHandlers } from '../../src-main/engine/handlers/index.ts';
import { jobHandlers } from '../../src-main/engine/handlers/job-handlers.ts';
import { describeCall, JobRunner } from '../../src-main/engine/jobs/job-runner.ts';
import { ProgressMeter } from '../../src-main/engine/jobs/progress-meter.ts';
import { createInMemoryPair } from '../../src-main/transport/in-memory.ts';

// A contract of one long call that waits until the test releases it, one short call that tries to
// report progress, and the engine's job.* calls.
const testContract = {
  'test.wait': method<{ finished: true }>()(z.object({ path: z.string(), name: z.string() }), { long: true }),
  'test.quick': method<{ jobsWhileRunning: number }>()(z.object({})),
  'job.list': api['job.list'],
  'job.cancel': api['job.cancel'],
  'job.follow': api['job.follow'],
};

function setup() {
  const engine = new Engine();
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const handlers = {
    'test.wait': async (_args, { signal, progress }) => {
      progress({ phase: 'waiting', done: 1, total: 2 });
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new EngineError('cancelled', 'test.wait was cancelled')));
        void released.then(resolve);
      });
      progress({ phase: 'waiting', done: 2, total: 2 });
      return { finished: true as const };
    },
    'test.quick': async (_args, { progress }) => {
      progress({ phase: 'quick', done: 1, total: 1 });
      return { jobsWhileRunning: engine.jobs.list().length };
    },
    ...jobHandlers(engine),
  } satisfies HandlerMap<typeof testContract>;
  const connectClosable = () => {
    const pair = createInMemoryPair();
    serveContract(testContract, handlers, pair.server, engine.jobs);
    return { client: createClient<typeof testContract>(pair.client), close: () => pair.close() };
  };
  const connect = () => connectClosable().client;
  return { engine, connect, connectClosable, release: () => release() };
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('long calls as jobs', () => {
  it('another connection lists a running job and follows it to its end', async () => {
    const { connect, release } = setup();
    const caller = connect();
    const other = connect();
    const running = caller.call('test.wait', { path: '/p/study.unitscope', name: 'faces' });
    const [job] = await until(async () => {
      const jobs = await other.call('job.list', {});
      return jobs.length > 0 && jobs[0]!.progress ? jobs : undefined;
    });
    expect(job).toMatchObject({ method: 'test.wait', label: 'test.wait faces', project: '/p/study.unitscope', progress: { done: 1, total: 2 } });
    const seen: Progress[] = [];
    const followed = other.call('job.follow', { id: job!.id }, { onProgress: (p) => seen.push(p) });
    await until(async () => (seen.length > 0 ? true : undefined));
    release();
    expect(await running).toEqual({ finished: true });
    expect(await followed).toEqual({ id: job!.id, method: 'test.wait', status: 'finished', error: null });
    expect(seen.map((p) => p.done)).toEqual([1, 2]);
    expect(await other.call('job.list', {})).toEqual([]);
  });

  it('job.cancel from another connection cancels the caller and ends the follow as cancelled; a cancelled follow leaves the job running', async () => {
    const { connect, engine } = setup();
    const caller = connect();
    const other = connect();
    const running = caller.call('test.wait', { path: 'p.unitscope', name: 'a' }).catch((e: unknown) => e);
    const id = await until(async () => (await other.call('job.list', {}))[0]?.id);

    const stopFollowing = new AbortController();
    const abandoned = other.call('job.follow', { id }, { signal: stopFollowing.signal }).catch((e: unknown) => e);
    stopFollowing.abort();
    expect(await abandoned).toMatchObject({ kind: 'cancelled' });
    expect(engine.jobs.list().map((j) => j.id)).toEqual([id]);

    const followed = other.call('job.follow', { id });
    expect(await other.call('job.cancel', { id })).toEqual({ id, cancelling: true });
    expect(await running).toMatchObject({ kind: 'cancelled' });
    expect(await followed).toMatchObject({ id, status: 'cancelled', error: { kind: 'cancelled' } });
    await expect(other.call('job.cancel', { id })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(other.call('job.follow', { id })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('a job outlives the connection that started it: a new connection follows it to its end', async () => {
    const { connect, connectClosable, engine, release } = setup();
    const first = connectClosable();
    const running = first.client.call('test.wait', { path: 'p.unitscope', name: 'gone' }).catch((e: unknown) => e);
    const id = await until(async () => engine.jobs.list()[0]?.id);
    first.close(); // the tab reloads, the tunnel drops
    await new Promise((r) => setTimeout(r, 20));
    expect(engine.jobs.list().map((j) => j.id)).toEqual([id]);
    const followed = connect().call('job.follow', { id });
    release();
    expect(await followed).toEqual({ id, method: 'test.wait', status: 'finished', error: null });
    void running; // its answer had nowhere to go
  });

  it('refuses a 65th job while 64 run, and takes new ones once they end', async () => {
    const { connect, engine, release } = setup();
    const caller = connect();
    const waits = Array.from({ length: 64 }, (_, i) => caller.call('test.wait', { path: 'p.unitscope', name: String(i) }));
    await until(async () => (engine.jobs.list().length === 64 ? true : undefined));
    await expect(caller.call('test.wait', { path: 'p.unitscope', name: 'one too many' })).rejects.toMatchObject({ kind: 'conflict', message: '64 jobs are running already; wait for some to finish, or cancel some (job.list, job.cancel)' });
    release();
    await Promise.all(waits);
    expect(engine.jobs.list()).toEqual([]);
  });

  it('a call not declared long reports no progress and is no job', async () => {
    const { connect } = setup();
    const seen: Progress[] = [];
    expect(await connect().call('test.quick', {}, { onProgress: (p) => seen.push(p) })).toEqual({ jobsWhileRunning: 0 });
    expect(seen).toEqual([]);
  });

  it('labels a job with the arguments that say what it works on', () => {
    expect(describeCall('run.start', { path: 'a.unitscope', model: 'tiny', batch: 4 })).toEqual({ method: 'run.start', label: 'run.start tiny', project: 'a.unitscope' });
    expect(describeCall('results.compare', { path: 'a.unitscope', runs: [1, 2] })).toEqual({ method: 'results.compare', label: 'results.compare 1,2', project: 'a.unitscope' });
  });
});

describe('job runner', () => {
  it('reports progress to the caller, lists the job while it runs, forgets it after', async () => {
    const runner = new JobRunner();
    const seen: Progress[] = [];
    const result = await runner.run(
      { method: 'stimuli.import', label: 'import faces', project: null },
      async (ctx) => {
        expect(runner.list()).toMatchObject([{ method: 'stimuli.import', label: 'import faces', progress: null }]);
        ctx.progress({ phase: 'importing', done: 1, total: 2 });
        ctx.progress({ phase: 'importing', done: 2, total: 2 });
        expect(runner.list()[0]!.progress).toMatchObject({ done: 2 });
        return 42;
      },
      { progress: (p) => seen.push(p) },
    );
    expect(result).toBe(42);
    expect(seen.map((p) => p.done)).toEqual([1, 2]);
    expect(runner.list()).toHaveLength(0);
  });

  it('cancels a job by id and through the caller signal', async () => {
    const runner = new JobRunner();
    const job = { method: 'run.start', label: 'a', project: null };
    const work = async (ctx: { signal: AbortSignal }) => {
      for (;;) {
        throwIfAborted(ctx.signal, 'the job');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const byId = runner.run(job, work);
    runner.cancel(runner.list()[0]!.id);
    await expect(byId).rejects.toMatchObject({ kind: 'cancelled' });

    const caller = new AbortController();
    const bySignal = runner.run(job, work, { signal: caller.signal });
    caller.abort();
    await expect(bySignal).rejects.toMatchObject({ kind: 'cancelled' });
    expect(() => runner.cancel(999)).toThrow(/no running job/);
  });
});

describe('handler map', () => {
  it('refuses a method that a later domain defines again', () => {
    const first = { 'project.info': async () => 1 };
    const later = { 'model.list': async () => 2, 'project.info': async () => 3 };
    expect(() => combineHandlers(first, later)).toThrow(/defines project.info twice/);
    expect(Object.keys(combineHandlers(first, { 'model.list': async () => 2 }))).toEqual(['project.info', 'model.list']);
  });

  it('is built from the domain modules with exactly the contract methods, none defined twice', () => {
    const engine = new Engine();
    try {
      expect(Object.keys(createHandlers(engine)).sort()).toEqual(Object.keys(api).sort());
    } finally {
      engine.close();
    }
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
