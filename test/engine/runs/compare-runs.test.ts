// Comparing two models' runs on a real tiny project, through the contract and the real CLI: the sign of
// every difference is A - B (today's unit-level bootstrap was labelled "B - A"), swapping the runs negates
// it, the image bootstrap is paired and reused, runs with other stimuli or another recipe are refused
// (exit 1, saying why) unless forced (then warned in the output), n per category is shown, and the CSV
// export holds the same numbers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResult } from '../../../src-main/contract/results-types.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { runCli } from '../../support/run-cli.ts';
import { TINY_INPUT_SIZE } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { makeTinyProject } from './tiny-project.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { compareStoredRuns } from '../../../src-main/engine/runs/run-statistics.ts';
import { readRunManifest } from '../../../src-main/engine/storage/runs-store.ts';
import type { RunManifest } from '../../../src-main/contract/run-manifest.ts';

let dir: string;
let path: string;
let engine: Engine;
let client: ReturnType<typeof connectInProcess>;
let first: CompareResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-compare-'));
  path = join(dir, 'c.unitscope');
  await makeTinyProject(path, 8, 3);
  engine = new Engine();
  client = connectInProcess(engine);
  const other = join(dir, 'other.onnx');
  await client.call('model.generate', { kind: 'tiny', seed: 9, out: other });
  await client.call('model.add', { path, file: other, name: 'other', preset: 'none' });
  await client.call('run.start', { path, model: 'tiny' });
  await client.call('run.start', { path, model: 'other' });
}, 120_000);
afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('model comparison of two runs', () => {
  it('states every difference as A - B, for the image-level and the unit-level tests', async () => {
    first = await client.call('results.compare', { path, runs: [1, 2], iterations: 50 });
    expect(first.difference).toBe('A - B');
    expect(first.warnings).toEqual([]);
    expect(first.bootstrap).toMatchObject({ iterations: 50, seed: 0, unitsPerStratum: 2048 });
    expect(first.rows.length).toBeGreaterThan(0);
    for (const r of first.rows) if (r.valueA !== null && r.valueB !== null) expect(r.diff).toBeCloseTo(r.valueA - r.valueB, 12);
    const tableA = await client.call('results.table', { path, run: 1 });
    const tableB = await client.call('results.table', { path, run: 2 });
    const entropy = first.unitLevel.filter((t) => t.metric === 'channel_entropy' && t.difference !== null);
    expect(entropy.length).toBeGreaterThan(0);
    for (const t of entropy) {
      const a = tableA.rows.find((r) => r.layer === t.layerA && r.category === t.category)!.metrics.channelEntropy!;
      const b = tableB.rows.find((r) => r.layer === t.layerB && r.category === t.category)!.metrics.channelEntropy!;
      expect(t.difference).toBeCloseTo(a - b, 12);
      expect(t.test).toMatch(/A - B \(descriptive\)/);
    }
    // n behind every row: images per category of each run, selective units of the layer.
    expect(first.images).toEqual(tableA.images.map((c) => ({ category: c.category, a: c.n, b: c.n })));
    for (const r of first.rows.filter((x) => x.layerA !== null)) {
      expect(r.n.imagesA).toBe(8);
      expect(r.n.selectiveA).toBe(tableA.rows.find((x) => x.layer === r.layerA && x.category === r.category)!.selective);
    }
  }, 120_000);

  it('negates every difference when the runs are swapped (the same paired resamples)', async () => {
    const swapped = await client.call('results.compare', { path, runs: [2, 1], iterations: 50 });
    for (const r of first.rows) {
      const s = swapped.rows.find((x) => x.metric === r.metric && x.layerA === r.layerB && x.category === r.category)!;
      expect(s.valueA).toBe(r.valueB);
      expect(s.ciA).toEqual(r.ciB);
      if (r.diff !== null) expect(s.diff).toBeCloseTo(-r.diff, 12);
      if (r.ciDiff.low !== null) expect(s.ciDiff.high).toBeCloseTo(-r.ciDiff.low, 12);
      expect(s.p).toBe(r.p);
    }
  }, 120_000);

  it('refuses another stimulus set with exit 1 and says why; --force compares and records the warning', async () => {
    // A third run after one more image is added: the stimuli (image sha256s) differ.
    mkdirSync(join(dir, 'extra', 'faces'), { recursive: true });
    const pixels = Buffer.alloc(TINY_INPUT_SIZE * TINY_INPUT_SIZE * 3, 0).map((_, i) => (i * 37) % 256);
    await sharp(pixels, { raw: { width: TINY_INPUT_SIZE, height: TINY_INPUT_SIZE, channels: 3 } }).png().toFile(join(dir, 'extra', 'faces', 'extra.png'));
    const imported = runCli(['stimuli', 'import', path, join(dir, 'extra')]);
    expect(imported.code, imported.stderr).toBe(0);
    await client.call('run.start', { path, model: 'other' });
    const refused = runCli(['compare', path, '--runs', '1,3', '--iterations', '20']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/runs #1 and #3 cannot be compared: the stimuli differ/);
    expect(refused.stderr).toMatch(/--force/);
    const forced = runCli(['compare', path, '--runs', '1,3', '--iterations', '20', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    const result = JSON.parse(forced.stdout) as CompareResult;
    expect(result.forced).toBe(true);
    expect(result.warnings.join(' ')).toMatch(/the stimuli differ/);
    const text = runCli(['compare', path, '--runs', '1,3', '--iterations', '20', '--force']);
    expect(text.stdout).toMatch(/warning: the stimuli differ/);
    expect(text.stdout).toMatch(/differences are A - B/);
    expect(text.stdout).toMatch(/images per category \(A \/ B\): faces 8\/9/);
    expect(text.stdout).toMatch(/unit-level tests \(units as independent samples; descriptive only/);
  }, 300_000);

  it('refuses another recipe, and writes the comparison as CSV', async () => {
    const re = await client.call('run.reanalyze', { path, run: 2, recipe: { recipe: 'vs-rest' } });
    await expect(client.call('results.compare', { path, runs: [1, re.run] })).rejects.toThrow(/the recipes differ \(pairwise-t vs vs-rest\)/);
    const out = join(dir, 'cmp.csv');
    const written = await client.call('export.compare', { path, runs: [1, 2], iterations: 50, out });
    expect(written.files).toEqual([out, join(dir, 'cmp.unit-level.csv')]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header).toContain('diff_a_minus_b');
    expect(lines).toHaveLength(first.rows.length + 1);
    const row = first.rows.find((r) => r.metric === 'proportion')!;
    const cells = lines.find((l) => l.includes(`,proportion,${row.layerA},${row.layerB},${row.category},`))!.split(',');
    expect(Number(cells[header.indexOf('value_a')])).toBe(row.valueA);
    expect(Number(cells[header.indexOf('images_a')])).toBe(row.n.imagesA);
    expect(readFileSync(join(dir, 'cmp.unit-level.csv'), 'utf8')).toMatch(/descriptive/);
    await expect(client.call('export.compare', { path, runs: [1, 2], iterations: 50, out })).rejects.toThrow(/the file exists/);
  }, 120_000);

  it('warns when ranksum-maxp cannot reach its threshold, and compares such runs at the unit level only, saying why', async () => {
    const a = await client.call('run.reanalyze', { path, run: 1, recipe: { recipe: 'ranksum-maxp', ranksumP: 0.0005 } });
    const b = await client.call('run.reanalyze', { path, run: 2, recipe: { recipe: 'ranksum-maxp', ranksumP: 0.0005 } });
    const table = await client.call('results.table', { path, run: a.run });
    // 8 against 8 images: the smallest attainable rank-sum p is 0.00094.
    expect(table.warnings[0]).toMatch(/^ranksum-maxp cannot select faces units: with 8 faces and 8 scenes images the rank-sum p is at least 0\.000939/);
    const shown = runCli(['results', path, '--run', String(a.run)]);
    expect(shown.stdout).toMatch(/images per category: faces 8, scenes 8, scrambled_scenes 8/);
    expect(shown.stdout).toMatch(/warning: ranksum-maxp cannot select faces units/);
    const cmp = await client.call('results.compare', { path, runs: [a.run, b.run], iterations: 20 });
    expect(cmp.bootstrap).toBeNull();
    expect(cmp.rows).toEqual([]);
    expect(cmp.imageLevelUnavailable).toMatch(/ranksum-maxp ranks every image per unit/);
    expect(cmp.unitLevel.length).toBeGreaterThan(0);
  }, 120_000);

  it("records the runtime, threads, effective batch and the app's build in the manifest", () => {
    const project = Project.open(path, { readonly: true });
    try {
      const manifest = readRunManifest(project.db, 1) as RunManifest;
      expect(manifest.execution).toMatchObject({ onnxruntime: expect.stringMatching(/^\d+\.\d+\.\d+/), intraOpThreads: expect.any(Number), effectiveBatch: expect.any(Number), groupSize: expect.any(Number) });
      // The tests run from a git checkout: the commit is known.
      expect(manifest.app.build).toEqual({ commit: expect.stringMatching(/^[0-9a-f]{40}(\+dirty)?$/), unknownBecause: null });
    } finally {
      project.close();
    }
  });
  it('stops a comparison cancelled while its image bootstrap runs on the workers, and computes it whole afterwards', async () => {
    const project = Project.open(path);
    try {
      const controller = new AbortController();
      const request = { iterations: 400, seed: 77 };
      const cancelled = compareStoredRuns(project, 1, 2, request, {
        signal: controller.signal,
        // The first layer back from a worker: the others are still being computed.
        progress: (p) => {
          if (p.phase.startsWith('bootstrap of run') && !p.phase.endsWith('gathering') && p.done >= 1) controller.abort();
        },
      });
      await expect(cancelled).rejects.toMatchObject({ kind: 'cancelled' });
      // Nothing half-done was kept: the same comparison runs to its end.
      const whole = await compareStoredRuns(project, 1, 2, request);
      expect(whole.bootstrap).toMatchObject({ iterations: 400, seed: 77 });
      expect(whole.rows.length).toBe(first.rows.length);
    } finally {
      project.close();
    }
  }, 120_000);
});
