// A run's statistics precision: chosen at the start, recorded in the manifest before the first checkpoint,
// and kept by a resumed run (float32 sums resumed in float64 would mix two arithmetics in one result).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { resumeRun, runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { readLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { readRunManifest } from '../../../src-main/engine/storage/runs-store.ts';
import { makeTinyProject } from './tiny-project.ts';

let dir: string;
let project: Project;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-precision-'));
  const path = join(dir, 'p.unitscope');
  await makeTinyProject(path, 6, 5);
  project = Project.open(path);
}, 60_000);
afterAll(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});

const precisionOf = (run: number) => readRunManifest(project.db, run)!.execution.precision;
const statsOf = (run: number) => [0, 1, 2, 3, 4].map((l) => readLayerStats(project.db, run, l)!);

describe('statistics precision of a run', () => {
  it('defaults to float64 and records float32 when asked', async () => {
    const exact = await runAnalysis(project, { model: 'tiny' });
    const fused = await runAnalysis(project, { model: 'tiny', precision: 'float32' });
    expect(precisionOf(exact.run)).toBe('float64');
    expect(precisionOf(fused.run)).toBe('float32');
    // The switch reaches the arithmetic: same images and model, other bits (their accuracy against plainly
    // exposed outputs is test/engine/inference/extract.test.ts's).
    expect(statsOf(exact.run).some((a, l) => a.m2.some((v, i) => v !== statsOf(fused.run)[l]!.m2[i]))).toBe(true);
  }, 120_000);

  it('resumes a float32 run in float32, to the bits of an uninterrupted one', async () => {
    const whole = await runAnalysis(project, { model: 'tiny', precision: 'float32', batch: 2 });
    const controller = new AbortController();
    let run = 0;
    await expect(
      runAnalysis(project, { model: 'tiny', precision: 'float32', batch: 2, checkpointEvery: 1 }, {
        signal: controller.signal,
        onCreated: (id) => (run = id),
        progress: (p) => {
          if (p.phase === 'extraction' && p.done >= 8) controller.abort();
        },
      }),
    ).rejects.toThrow(/cancelled/);
    expect(precisionOf(run)).toBe('float32');
    await resumeRun(project, run);
    expect(precisionOf(run)).toBe('float32');
    statsOf(run).forEach((s, l) => {
      const w = statsOf(whole.run)[l]!;
      expect(Array.from(s.count)).toEqual(Array.from(w.count));
      expect(Buffer.from(s.m2.buffer).equals(Buffer.from(w.m2.buffer))).toBe(true);
    });
  }, 120_000);
});
