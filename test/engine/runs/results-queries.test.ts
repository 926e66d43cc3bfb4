// The paged unit queries against a brute-force reference over the same arrays, on a real SQLite project
// holding results written by the real storage functions (ties, NaN CSI, every sort and filter), their
// derived values recomputed on read from the stored statistics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoryDef, LayerStats, TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { csiOrder } from '../../../src-main/engine/stats/aggregates.ts';
import { unitResults } from '../../../src-main/engine/stats/recipes.ts';
import { writeLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { unitsPage, type UnitsQuery } from '../../../src-main/engine/runs/results-queries.ts';
import { insertRunCategories, insertRunLayers } from '../../../src-main/engine/storage/run-inputs-store.ts';
import { writeUnitResults } from '../../../src-main/engine/storage/unit-results-store.ts';
import { finishRun, insertRun } from '../../../src-main/engine/storage/runs-store.ts';
import { defaultRecipe } from '../../../src-main/contract/recipe.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import { everyUnitValue, type EveryUnitValue } from '../stats/every-unit-value.ts';

// 2,240 units: the CSI-sorted records span three chunks of 1,024, and pages cross chunk boundaries.
const TAP: TapShape = { name: 'block', tensor: 'b', channels: 64, height: 5, width: 7 };
const N = 64 * 5 * 7;
let dir: string;
let project: Project;
let results: EveryUnitValue;
let stats: LayerStats;
const CATEGORIES: CategoryDef[] = [
  { name: 'faces', role: 'target', controlsFor: null },
  { name: 'scenes', role: 'control', controlsFor: null },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-queries-'));
  project = Project.create(join(dir, 'q.unitscope'));
  const rng = new SeededRandom(5);
  // Statistics with coarse means and a few M2 values give tied CSI and t; units with both means 0 have a
  // NaN CSI; tiny M2 gives p far below 1e-300. The unit values are the analysis of these statistics.
  const count = Float64Array.of(6, 5);
  const mean = new Float64Array(2 * N);
  const m2 = new Float64Array(2 * N);
  for (let u = 0; u < N; u++) {
    const dead = u % 11 === 0;
    mean[u] = dead ? 0 : Math.round(rng.uniform() * 16) / 8;
    mean[N + u] = dead ? 0 : Math.round(rng.uniform() * 8) / 8;
    const spread = u % 17 === 0 ? 1e-250 : [0.5, 1, 2][Math.floor(rng.uniform() * 3)]!;
    m2[u] = spread * 5;
    m2[N + u] = spread * 4;
  }
  stats = { tap: TAP, count, mean, m2 };
  results = everyUnitValue(stats, CATEGORIES, defaultRecipe, unitResults(stats, CATEGORIES, defaultRecipe))[0]!;
  const db = project.db;
  db.prepare(`INSERT INTO models (id, name, path, storage, sha256, bytes, preprocessing, input_name, added_at) VALUES (1, 'm', 'm.onnx', 'generated', 'x', 0, '{}', 'input', 'now')`).run();
  const run = insertRun(db, { modelId: 1, recipe: defaultRecipe, parentRun: null, images: 4 });
  insertRunLayers(db, run, [TAP]);
  insertRunCategories(db, run, [
    { name: 'faces', role: 'target', controlsFor: null, images: 6 },
    { name: 'scenes', role: 'control', controlsFor: null, images: 5 },
  ]);
  writeLayerStats(db, run, 0, stats, 'final');
  writeUnitResults(db, run, 0, results, csiOrder(Float32Array.from(results.csi)));
  finishRun(db, run, 1);
});
afterAll(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});

function reference(q: Omit<UnitsQuery, 'run' | 'layer' | 'category'>): { total: number; units: number[] } {
  const hw = TAP.height * TAP.width;
  let units = Array.from({ length: N }, (_, u) => u);
  if (q.channels !== undefined) units = units.filter((u) => q.channels!.includes(Math.floor(u / hw)));
  if (q.selectiveOnly) units = units.filter((u) => results.selective[u] === 1);
  const f32 = (v: number) => Math.fround(v);
  const key = (u: number) => {
    const v = q.sort === 't' ? f32(results.tMin[u]!) : f32(results.csi[u]!);
    return Number.isNaN(v) ? -Infinity : v;
  };
  if ((q.sort ?? 'csi') !== 'unit') units.sort((a, b) => key(b) - key(a) || a - b);
  return { total: units.length, units: units.slice(q.offset, q.offset + q.limit) };
}

describe('unitsPage', () => {
  const cases: Omit<UnitsQuery, 'run' | 'layer' | 'category'>[] = [];
  for (const sort of ['csi', 't', 'unit'] as const) {
    for (const selectiveOnly of [false, true]) {
      // One channel, several in any order with a repeat, and half of the layer's (the brushed chart).
      for (const channels of [undefined, [0], [4], [9, 0, 4, 9], Array.from({ length: 32 }, (_, i) => 63 - 2 * i)]) {
        for (const [offset, limit] of [
          [0, 1000],
          [7, 13],
          [300, 50],
          [1020, 10],
          [1500, 1000],
        ] as const) {
          cases.push({ sort, selectiveOnly, channels, offset, limit });
        }
      }
    }
  }
  it.each(cases)('matches brute force: %o', (q) => {
    const got = unitsPage(project, { run: 1, layer: 'block', category: 'faces', ...q });
    const want = reference(q);
    expect(got.total).toBe(want.total);
    expect(got.units.map((r) => r.unit)).toEqual(want.units);
    for (const r of got.units) {
      const u = r.unit;
      expect(r.channel).toBe(Math.floor(u / 35));
      expect(r.y).toBe(Math.floor((u % 35) / 7));
      expect(r.x).toBe(u % 7);
      expect(r.selective).toBe(results.selective[u] === 1);
      // The contract sends non-finite values as null; display metrics are float32, p and q float64.
      const f32 = (v: number) => (Number.isFinite(Math.fround(v)) ? Math.fround(v) : null);
      const f64 = (v: number) => (Number.isFinite(v) ? v : null);
      expect(r.csi).toBe(f32(results.csi[u]!));
      expect(r.tMin).toBe(f32(results.tMin[u]!));
      expect(r.pMax).toBe(f64(results.pMax[u]!)); // exactly, down to 1e-300
      expect(r.qMax).toBe(f64(results.qMax[u]!));
      expect(r.meanTarget).toBe(f32(results.meanTarget[u]!));
      expect(r.meanOthers).toBe(f32(results.meanOthers[u]!));
      expect(r.dprime).toBe(f32(results.dprime[u]!));
      expect(r.dprimeSecond).toBe(f32(results.dprimeSecond[u]!));
      expect(r.meanPairT).toBe(f32(results.meanPairT[u]!));
    }
  });
});

describe('unitsPage channels', () => {
  it('refuses a channel the layer does not have, naming it', () => {
    expect(() => unitsPage(project, { run: 1, layer: 'block', category: 'faces', channels: [3, 64], offset: 0, limit: 10 })).toThrow("layer 'block' has 64 channels; channel 64 does not exist");
  });
});
