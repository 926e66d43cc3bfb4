// A study end to end on the demo set with generated models, through the contract: runs each model,
// reuses a finished run with the same settings, compares every pair, is stored and reopens as it was,
// and resumes after a cancel with the runs it had.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/engine.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { EngineCallError } from '../../../src-main/contract/client.ts';
import type { Progress } from '../../../src-main/contract/protocol.ts';
import { demoWithTinyModels } from '../../support/demo-with-tiny-models.ts';

let dir: string;
let engine: Engine;
let client: ReturnType<typeof connectInProcess>;
let path: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-study-'));
  engine = new Engine();
  client = connectInProcess(engine);
  path = await demoWithTinyModels(client, dir);
}, 300_000);

afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('study', () => {
  it('refuses unknown models and a model listed twice', async () => {
    await expect(client.call('study.start', { path, models: ['tiny-cnn', 'nope'] })).rejects.toThrow(/no model named 'nope'/);
    await expect(client.call('study.start', { path, models: ['tiny-cnn', 'tiny-cnn'] })).rejects.toThrow(/listed twice/);
    await expect(client.call('study.start', { path, models: ['tiny-cnn'] })).rejects.toThrow(/at least two models/);
  });

  it('runs the models without a finished run, reuses the one with, compares every pair, with one progress bar', async () => {
    const before = (await client.call('run.list', { path })).filter((r) => r.status === 'finished');
    const progress: Progress[] = [];
    const study = await client.call('study.start', { path, models: ['tiny-cnn', 'tiny-1', 'tiny-2'], recipe: { seed: 0 }, iterations: 100 }, { onProgress: (p) => progress.push(p) });
    expect(study.status).toBe('finished');
    expect(study.runs.map((r) => r.model)).toEqual(['tiny-cnn', 'tiny-1', 'tiny-2']);
    // The demo's run of tiny-cnn has the default recipe with seed 0: it is reused, not run again.
    expect(study.runs[0]).toMatchObject({ run: before[0]!.id, reused: true, status: 'finished' });
    expect(study.runs.slice(1).every((r) => !r.reused && r.status === 'finished')).toBe(true);
    expect(study.comparisons).toEqual([
      [study.runs[0]!.run, study.runs[1]!.run],
      [study.runs[0]!.run, study.runs[2]!.run],
      [study.runs[1]!.run, study.runs[2]!.run],
    ]);
    // One bar: every report is the study's, in percent, never going back.
    expect(progress.every((p) => p.phase === 'study' && p.unit === '%' && p.total === 100)).toBe(true);
    const done = progress.map((p) => p.done);
    expect(done.every((d, i) => i === 0 || d >= done[i - 1]!)).toBe(true);
    expect(done.at(-1)).toBe(100);

    const data = await client.call('study.data', { path, id: study.id });
    expect(data.runs.map((r) => r.model.name)).toEqual(['tiny-cnn', 'tiny-1', 'tiny-2']);
    expect(data.runs.every((r) => /^[0-9a-f]{64}$/.test(r.model.sha256))).toBe(true);
    expect(data.runs.every((r) => r.consistency !== null && r.rows.length > 0)).toBe(true);
    expect(data.comparisons).toHaveLength(3);
    // Each model keeps its own preprocessing (the demo's CNN has one, the added ones 'none'): accepted and recorded.
    expect(data.comparisons[0]!.forced).toBe(true);
    expect(data.comparisons[0]!.warnings.join(' ')).toMatch(/preprocessing differs/);
    expect(data.comparisons[0]!.bootstrap?.iterations).toBe(100);
    expect(data.comparisons[0]!.rows.some((r) => r.metric === 'proportion' && r.ciA.low !== null)).toBe(true);
    expect(Object.keys(data.images).length).toBeGreaterThan(2);
    expect(data.runs[0]!.manifest).not.toHaveProperty('stimuli.images');
  }, 600_000);

  it('reopens as it was from another engine', async () => {
    const other = new Engine();
    try {
      const c = connectInProcess(other);
      const list = await c.call('study.list', { path });
      const again = await client.call('study.get', { path, id: list.at(-1)!.id });
      expect(list.at(-1)).toEqual(again);
      c.disconnect();
    } finally {
      other.close();
    }
  });

  it('a cancelled study resumes where it stopped and runs nothing twice', async () => {
    const file = join(dir, 'tiny-3.onnx');
    await client.call('model.generate', { kind: 'tiny', seed: 3, out: file });
    await client.call('model.add', { path, file, name: 'tiny-3', preset: 'none' });
    const controller = new AbortController();
    const started = client.call('study.start', { path, models: ['tiny-1', 'tiny-3'], recipe: { seed: 0 }, consistency: false, iterations: 100 }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.message?.includes('model tiny-3: extraction')) controller.abort();
      },
    });
    const error = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as EngineCallError).kind).toBe('cancelled');
    const stopped = (await client.call('study.list', { path })).at(-1)!;
    expect(stopped.status).toBe('cancelled');
    const runsBefore = (await client.call('run.list', { path })).length;
    const resumed = await client.call('study.resume', { path, id: stopped.id });
    expect(resumed.status).toBe('finished');
    expect(resumed.runs.map((r) => r.run)).toEqual(stopped.runs.map((r) => r.run));
    expect((await client.call('run.list', { path })).length).toBe(runsBefore);
    expect(resumed.comparisons).toHaveLength(1);
    await expect(client.call('study.resume', { path, id: stopped.id })).rejects.toThrow(/already finished/);
  }, 600_000);
});
