// The memory budget of a run (run.start's memoryBudgetMB, the Settings screen's "Memory budget"): it
// reaches extraction, is recorded in the manifest, is kept by a resumed run (it sizes the merge groups, so
// the resume replays the same groups) and bounds ranksum-maxp's per-image gathers and slices. The real
// extraction and gathers run; they are only watched for the options they get.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import * as extract from '../../../src-main/engine/inference/extract.ts';
import * as gather from '../../../src-main/engine/inference/gather.ts';
import * as analyze from '../../../src-main/engine/stats/analyze.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { resumeRun, runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { readLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { readRunManifest } from '../../../src-main/engine/storage/runs-store.ts';
import { makeTinyProject } from './tiny-project.ts';

vi.mock('../../../src-main/engine/inference/extract.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src-main/engine/inference/extract.ts')>();
  return { ...actual, extractSufficientStats: vi.fn(actual.extractSufficientStats) };
});
vi.mock('../../../src-main/engine/inference/gather.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src-main/engine/inference/gather.ts')>();
  return { ...actual, createResponseGatherer: vi.fn(actual.createResponseGatherer) };
});
vi.mock('../../../src-main/engine/stats/analyze.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src-main/engine/stats/analyze.ts')>();
  return { ...actual, analyzeRun: vi.fn(actual.analyzeRun) };
});

let dir: string;
let path: string;
let project: Project;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-budget-'));
  path = join(dir, 'b.unitscope');
  await makeTinyProject(path, 6, 9);
  project = Project.open(path);
}, 60_000);
afterAll(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => vi.clearAllMocks());

const budgetOf = (run: number) => readRunManifest(project.db, run)!.execution.memoryBudgetMB;
const extractionBudgets = () => vi.mocked(extract.extractSufficientStats).mock.calls.map(([options]) => options.memoryBudgetMB);

describe('the memory budget of a run', () => {
  it('goes from run.start to extraction and into the manifest; the engine default otherwise', async () => {
    const engine = new Engine();
    const client = connectInProcess(engine);
    try {
      const { run } = await client.call('run.start', { path, model: 'tiny', memoryBudgetMB: 300 });
      expect(extractionBudgets()).toEqual([300]);
      const other = Project.open(path);
      try {
        expect(readRunManifest(other.db, run)!.execution.memoryBudgetMB).toBe(300);
      } finally {
        other.close();
      }
      await expect(client.call('run.start', { path, model: 'tiny', memoryBudgetMB: 128 })).rejects.toThrow('memoryBudgetMB: the memory budget must be a whole number from 256 to 262144 MiB');
    } finally {
      client.disconnect();
      engine.close();
    }
    const plain = await runAnalysis(project, { model: 'tiny' });
    expect(extractionBudgets().at(-1)).toBeUndefined();
    expect(budgetOf(plain.run)).toBeNull();
  }, 120_000);

  it('is kept by a resumed run, which ends with the bits of an uninterrupted one', async () => {
    const whole = await runAnalysis(project, { model: 'tiny', memoryBudgetMB: 512 });
    const controller = new AbortController();
    let run = 0;
    await expect(
      runAnalysis(project, { model: 'tiny', memoryBudgetMB: 512, checkpointEvery: 1 }, {
        signal: controller.signal,
        onCreated: (id) => (run = id),
        progress: (p) => {
          if (p.phase === 'extraction' && p.done >= 8) controller.abort();
        },
      }),
    ).rejects.toThrow(/cancelled/);
    vi.clearAllMocks();
    await resumeRun(project, run);
    expect(extractionBudgets()).toEqual([512]);
    expect(budgetOf(run)).toBe(512);
    for (let l = 0; l < 4; l++) {
      expect(Buffer.from(readLayerStats(project.db, run, l)!.m2.buffer).equals(Buffer.from(readLayerStats(project.db, whole.run, l)!.m2.buffer))).toBe(true);
    }
  }, 120_000);

  it("sizes ranksum-maxp's gathers and response slices to it", async () => {
    await runAnalysis(project, { model: 'tiny', recipe: { recipe: 'ranksum-maxp' }, memoryBudgetMB: 400 });
    expect(vi.mocked(gather.createResponseGatherer).mock.calls.map(([o]) => o.memoryBudgetMB)).toEqual([400]);
    expect(vi.mocked(analyze.analyzeRun).mock.calls.map((c) => c[4]?.budgetBytes)).toEqual([100 * 1024 * 1024]);
    vi.clearAllMocks();
    // Without a budget: the engine's 1024 MiB, a quarter of it (256 MiB) per slice as before.
    await runAnalysis(project, { model: 'tiny', recipe: { recipe: 'ranksum-maxp' } });
    expect(vi.mocked(gather.createResponseGatherer).mock.calls.map(([o]) => o.memoryBudgetMB)).toEqual([1024]);
    expect(vi.mocked(analyze.analyzeRun).mock.calls.map((c) => c[4]?.budgetBytes)).toEqual([256 * 1024 * 1024]);
  }, 120_000);
});
