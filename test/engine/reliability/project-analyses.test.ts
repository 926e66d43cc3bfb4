// The three analyses end to end on real tiny projects (generated tiny ResNet, seeded PNG stimuli, a real
// run): ablation with seeded controls (reproducible, stored with its manifest, on the run's images and on
// another project's), split-half reliability (group statistics from the extraction stage pool back to
// the run's own statistics), and replication of a run against itself and against another stimulus set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { ablateRun } from '../../../src-main/engine/ablation/run-ablation.ts';
import { extractSufficientStats } from '../../../src-main/engine/inference/extract.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { replicateRuns } from '../../../src-main/engine/reliability/replicate.ts';
import { reliabilityForRun } from '../../../src-main/engine/reliability/run-reliability.ts';
import { halfStats, planGroups } from '../../../src-main/engine/reliability/split-half.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { listAnalyses, readAnalysis } from '../../../src-main/engine/storage/analyses-store.ts';
import { readLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { readRunImages, readRunLayers } from '../../../src-main/engine/storage/run-inputs-store.ts';
import { readUnitColumn } from '../../../src-main/engine/storage/unit-results-store.ts';
import { readImageFiles } from '../../../src-main/engine/storage/stimuli-store.ts';
import { TINY_INPUT_SIZE } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

let dir: string;
let a: Project;
let b: Project;
let runA: number;
let runB: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-analyses-'));
  await makeTinyProject(join(dir, 'a.unitscope'), 6, 1);
  // Same model seed (same bytes, same sha256), other stimuli.
  await makeTinyProject(join(dir, 'b.unitscope'), 6, 1);
  a = Project.open(join(dir, 'a.unitscope'));
  b = Project.open(join(dir, 'b.unitscope'));
  runA = (await runAnalysis(a, { model: 'tiny', provider: 'cpu' })).run;
  runB = (await runAnalysis(b, { model: 'tiny', provider: 'cpu' })).run;
}, 120_000);

afterAll(() => {
  a?.close();
  b?.close();
  rmSync(dir, { recursive: true, force: true });
});

function selectiveLayer(project: Project, run: number, category: string): { layer: string; count: number } {
  const taps = readRunLayers(project.db, run);
  let best = { layer: '', count: 0 };
  taps.forEach((t, l) => {
    const sel = readUnitColumn(project.db, run, l, category, 'selective', 'u8')!;
    const count = sel.reduce((s, v) => s + v, 0);
    if (count > best.count && count < sel.length / 2) best = { layer: t.name, count };
  });
  return best;
}

describe('ablation on a project', () => {
  it('ablates the selective units against reproducible seeded controls and stores the study', async () => {
    const { layer, count } = selectiveLayer(a, runA, 'faces');
    expect(count).toBeGreaterThan(0);
    const request = { run: runA, layer, category: 'faces', top: 5, controls: 6, seed: 4, provider: 'cpu' as const };
    const first = await ablateRun(a, request);
    const second = await ablateRun(a, request);
    expect(first.units).toBe(Math.min(5, count));
    expect(first.outputKind).toBe('classifier');
    expect(first.evalImages).toBe(18);
    expect(first.measures.map((m) => m.name)).toEqual(['top1-agreement', 'top-logit-drop']);
    const drop = first.measures[1]!;
    expect(drop.perCategory.map((r) => r.category)).toEqual(['faces', 'scenes', 'scrambled_scenes']);
    expect(drop.perCategory.every((r) => r.images === 6 && r.controls.length === 6)).toBe(true);
    // Same seed, same controls, same numbers (only the analysis id and timing differ).
    expect(second.measures).toEqual(first.measures);
    expect(second.ablatedUnits).toEqual(first.ablatedUnits);
    const other = await ablateRun(a, { ...request, seed: 5 });
    expect(other.measures[1]!.perCategory[0]!.controls).not.toEqual(drop.perCategory[0]!.controls);
    // Ablation changes the outputs: the logit drop is not zero everywhere.
    expect(drop.overall.selective).not.toBe(0);

    const stored = readAnalysis(a.db, first.analysis)!;
    expect(stored.kind).toBe('ablation');
    // Stored NaN (JSON null) reads back as NaN: the stored result is the result.
    expect(stored.result).toEqual(first);
    expect((stored.manifest.model as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(listAnalyses(a.db, { run: runA, kind: 'ablation' }).map((s) => s.id)).toEqual([first.analysis, second.analysis, other.analysis]);
  }, 60_000);

  it('mean mode and another project as the evaluation set', async () => {
    const { layer } = selectiveLayer(a, runA, 'scenes');
    const result = await ablateRun(a, { run: runA, layer, category: 'scenes', mode: 'mean', controls: 3, seed: 1, evalProject: b, provider: 'cpu' });
    expect(result.evalProject).toBe(b.path);
    expect(result.measures[0]!.perCategory).toHaveLength(3);
    await expect(ablateRun(a, { run: runA, layer, category: 'scrambled_scenes', controls: 1 })).rejects.toThrow(/no target category/);
  }, 60_000);
});

describe('split-half reliability on a project', () => {
  it('group statistics from the extraction pool back to the run statistics', async () => {
    const taps = readRunLayers(a.db, runA);
    const runImages = readRunImages(a.db, runA);
    const files = readImageFiles(a.db, dir, runImages.map((i) => i.imageId));
    const images = runImages.map((i) => ({ id: i.imageId, path: files.get(i.imageId)!.path, category: i.category }));
    const layout = planGroups(images, 3, 4, 9);
    const extraction = await extractSufficientStats({
      modelPath: join(dir, 'a.files', 'tiny.onnx'),
      preprocessing: presetPreprocessing('none', [TINY_INPUT_SIZE, TINY_INPUT_SIZE]),
      inputName: 'input',
      taps,
      images: layout.images,
      categories: layout.total,
      provider: 'cpu',
    });
    taps.forEach((_, l) => {
      const pooled = halfStats(extraction.layers[l]!, layout.groups);
      const stored = readLayerStats(a.db, runA, l)!;
      expect(Array.from(pooled.count)).toEqual(Array.from(stored.count));
      for (let i = 0; i < stored.mean.length; i++) {
        expect(Math.abs(pooled.mean[i]! - stored.mean[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(stored.mean[i]!)));
        expect(Math.abs(pooled.m2[i]! - stored.m2[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(stored.m2[i]!)));
      }
    });
  }, 60_000);

  it('runs seeded splits per layer x category and stores them', async () => {
    const first = await reliabilityForRun(a, { run: runA, splits: 3, seed: 2, provider: 'cpu' });
    const again = await reliabilityForRun(a, { run: runA, splits: 3, seed: 2, provider: 'cpu' });
    expect(first.perImageGroups).toBe(true);
    expect(first.passes).toBe(1);
    expect(first.rows).toHaveLength(readRunLayers(a.db, runA).length * 2);
    expect(again.rows).toEqual(first.rows);
    for (const row of first.rows) {
      expect(row.dice.values).toHaveLength(3);
      for (const d of row.dice.values) if (Number.isFinite(d)) expect(d).toBeGreaterThanOrEqual(0);
      for (const r of row.csiR.values) if (Number.isFinite(r)) expect(Math.abs(r)).toBeLessThanOrEqual(1);
    }
    // Halves of 3 images per category from clearly different colours: CSI agrees well between halves.
    expect(first.rows.some((r) => r.csiR.mean > 0.5)).toBe(true);
    expect(readAnalysis(a.db, first.analysis)!.kind).toBe('reliability');
  }, 60_000);
});

describe('replication', () => {
  it('a run against itself gives Dice 1, Jaccard 1 and CSI r 1', () => {
    const result = replicateRuns(a, { runA, projectB: a, runB: runA, shuffles: 200, seed: 1 });
    expect(result.rows.length).toBe(readRunLayers(a.db, runA).length * 2);
    for (const row of result.rows) {
      if (row.selectedA > 0) {
        expect(row.dice).toBe(1);
        expect(row.jaccard).toBe(1);
        expect(row.overlap).toBe(row.selectedA);
      }
      expect(row.csiR).toBe(1);
      expect(row.expectedDice).toBeCloseTo(row.selectedA === 0 ? NaN : row.selectedA / row.units, 12);
    }
  });

  it('compares runs of the same model in two projects and refuses different models', async () => {
    const result = replicateRuns(a, { runA, projectB: b, runB, shuffles: 200, seed: 1 });
    expect(result.rows.every((r) => r.units > 0 && r.csiUnits > 0)).toBe(true);
    expect(readAnalysis(a.db, result.analysis)!.kind).toBe('replication');
    await makeTinyProject(join(dir, 'c.unitscope'), 3, 2);
    const c = Project.open(join(dir, 'c.unitscope'));
    try {
      const runC = (await runAnalysis(c, { model: 'tiny', provider: 'cpu' })).run;
      expect(() => replicateRuns(a, { runA, projectB: c, runB: runC })).toThrow(/different models/);
    } finally {
      c.close();
    }
  }, 60_000);
});
