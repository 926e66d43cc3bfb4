// Runs through the contract (as the app and CLI call them) on a real tiny project: start, results table,
// unit inspector cross-checked against the stored statistics, consistency, reanalysis without inference
// (the model file is deleted first), and model comparison of the two runs.
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { makeTinyProject } from './tiny-project.ts';

let dir: string;
let path: string;
let engine: Engine;
let client: ReturnType<typeof connectInProcess>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-run-'));
  path = join(dir, 'r.unitscope');
  await makeTinyProject(path, 6, 21);
  engine = new Engine();
  client = connectInProcess(engine);
}, 60_000);
afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runs through the contract', () => {
  it('runs, reports progress, and fills the results table', async () => {
    const phases = new Set<string>();
    const started = await client.call('run.start', { path, model: 'tiny', batch: 4 }, { onProgress: (p) => phases.add(p.phase) });
    expect(started).toEqual({ run: 1, status: 'finished' });
    expect([...phases]).toEqual(expect.arrayContaining(['extraction', 'analysis']));
    const table = await client.call('results.table', { path });
    expect(table.run.id).toBe(1);
    expect(table.layers).toEqual(['stem', 'layer1.0', 'layer2.0', 'layer3.0', 'avgpool']);
    expect(table.categories).toEqual(['faces', 'scenes']);
    expect(table.rows).toHaveLength(10);
    for (const row of table.rows) expect(row.proportion).toBeCloseTo(row.selective / row.units, 12);
    const csi = await client.call('results.csi', { path, run: 1, category: 'faces' });
    expect(csi.layers).toHaveLength(5);
    for (const [i, l] of csi.layers.entries()) expect(l.selective.reduce((a, b) => a + b, 0)).toBe(table.rows[i * 2]!.selective);
    const channels = await client.call('results.channels', { path, run: 1, layer: 'layer2.0', category: 'faces' });
    expect(channels.channels.reduce((s, c) => s + c.selective, 0)).toBe(table.rows.find((r) => r.layer === 'layer2.0' && r.category === 'faces')!.selective);
    const spatial = await client.call('results.spatial', { path, run: 1, layer: 'layer2.0', category: 'faces' });
    expect(spatial.density).toHaveLength(spatial.height * spatial.width);
    expect(spatial.density.reduce((a, b) => a + b, 0)).toBe(channels.channels.reduce((s, c) => s + c.selective, 0));
  }, 120_000);

  it('inspects a unit: per-image responses agree with the stored sufficient statistics', async () => {
    const top = await client.call('results.units', { path, run: 1, layer: 'layer1.0', category: 'faces', selectiveOnly: true, limit: 1 });
    const unit = top.units[0]!.unit;
    const inspection = await client.call('results.unit', { path, run: 1, layer: 'layer1.0', unit });
    expect(inspection.responses).toHaveLength(18);
    for (const c of inspection.categories) {
      const values = inspection.responses.filter((r) => r.category === c.category).map((r) => r.value);
      expect(values).toHaveLength(c.n);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      // Extraction sums in float32 in-graph, the gatherer returns float32 activations.
      expect(Math.abs(mean - c.mean)).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.mean)));
      expect(c.low!).toBeLessThanOrEqual(c.mean);
      expect(c.high!).toBeGreaterThanOrEqual(c.mean);
    }
    expect(inspection.topImages[0]!.value).toBe(Math.max(...inspection.responses.map((r) => r.value)));
    expect(inspection.results.find((r) => r.category === 'faces')!.selective).toBe(true);
  }, 60_000);

  it('computes layer x layer consistency (symmetric, unit diagonal) and caches it', async () => {
    const c = await client.call('results.consistency', { path, run: 1 });
    expect(c.layers).toHaveLength(5);
    const m = c.baseline;
    for (let i = 0; i < 5; i++) {
      expect(m[i]![i]).toBeCloseTo(1, 12);
      for (let j = 0; j < 5; j++) expect(m[i]![j]).toBeCloseTo(m[j]![i]!, 12);
    }
    const again = await client.call('results.consistency', { path, run: 1, category: 'faces' });
    expect(again.matrices.faces).toEqual(c.matrices.faces);
  }, 60_000);

  it('reanalyses from stored statistics with no inference, then compares the two runs', async () => {
    const modelFile = join(dir, 'r.files', 'tiny.onnx');
    renameSync(modelFile, `${modelFile}.aside`); // extraction would now fail: reanalysis must not need it
    const same = await client.call('run.reanalyze', { path, run: 1, recipe: {} });
    const stricter = await client.call('run.reanalyze', { path, run: 1, recipe: { alpha: 0.001, fdr: 'bonferroni' } });
    const t1 = await client.call('results.table', { path, run: 1 });
    const tSame = await client.call('results.table', { path, run: same.run });
    const tStrict = await client.call('results.table', { path, run: stricter.run });
    expect(tSame.rows.map((r) => r.selective)).toEqual(t1.rows.map((r) => r.selective));
    tStrict.rows.forEach((r, i) => expect(r.selective).toBeLessThanOrEqual(t1.rows[i]!.selective));
    expect(tStrict.run).toMatchObject({ parentRun: 1, recipe: { alpha: 0.001, fdr: 'bonferroni' } });
    const runs = await client.call('run.list', { path });
    expect(runs.map((r) => [r.id, r.status, r.parentRun])).toEqual([
      [1, 'finished', null],
      [2, 'finished', 1],
      [3, 'finished', 1],
    ]);
    // The image-level comparison reads the model and images again (docs/method.md#unit-subset).
    await expect(client.call('results.compare', { path, runs: [1, same.run] })).rejects.toThrow(/tiny\.onnx: no such model file/);
    renameSync(`${modelFile}.aside`, modelFile);
    // Another recipe: refused, saying why, unless forced (then recorded as a warning).
    await expect(client.call('results.compare', { path, runs: [1, stricter.run] })).rejects.toThrow(/cannot be compared: the recipe settings differ \(fdr bh vs bonferroni, alpha 0.05 vs 0.001\).*--force/);
    const cmp = await client.call('results.compare', { path, runs: [1, stricter.run], force: true, iterations: 20 });
    expect(cmp.alignment).toBe('name');
    expect(cmp.forced).toBe(true);
    expect(cmp.warnings).toEqual(['the recipe settings differ (fdr bh vs bonferroni, alpha 0.05 vs 0.001)']);
    expect(cmp.unitLevel).toHaveLength(5 * 2 * 4);
    const prop = cmp.unitLevel.filter((t) => t.metric === 'proportion');
    for (const t of prop) {
      const a = t1.rows.find((r) => r.layer === t.layerA && r.category === t.category)!;
      expect(t.valueA).toBeCloseTo(a.proportion, 12);
      expect(t.significant).toBe(t.q !== null && t.q < 0.05);
    }
    // Image level: 8 metrics per layer x target, plus the slope with depth per target.
    expect(cmp.rows).toHaveLength(8 * 5 * 2 + 2);
    expect(cmp.bootstrap).toMatchObject({ iterations: 20, seed: 0, unitsPerStratum: 2048 });
    for (const r of cmp.rows.filter((x) => x.metric === 'proportion')) {
      const a = t1.rows.find((x) => x.layer === r.layerA && x.category === r.category)!;
      expect(r.fullA).toBeCloseTo(a.proportion, 12);
      expect(r.n.imagesA).toBe(t1.categories.length ? r.n.imagesA : 0);
    }
  }, 60_000);
});
