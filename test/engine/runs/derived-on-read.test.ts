// Unit values derived on read (docs/storage.md, "Derived on read") on real runs of the tiny CNN: every page a
// reader gets, and every whole column an export gets, holds exactly the analysis's values for those units
// (float32 display metrics, float64 p and q) while the run stores only the selection and q. A run whose
// statistics an older version stored whole is reanalysed: its statistics are chunked first, the values
// unchanged, and the new run reads the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecipeSettings } from '../../../src-main/contract/recipe.ts';
import type { UnitRow } from '../../../src-main/contract/results-types.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import type { CategoryDef } from '../../../src-main/engine/pipeline-types.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { UnitValues } from '../../../src-main/engine/runs/unit-values.ts';
import { unitResults } from '../../../src-main/engine/stats/recipes.ts';
import { toBlob } from '../../../src-main/engine/storage/blobs.ts';
import { readRunCategories, readRunLayers } from '../../../src-main/engine/storage/run-inputs-store.ts';
import { readRunRecord } from '../../../src-main/engine/storage/runs-store.ts';
import { readLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { recordLayout, UNIT_FIELDS } from '../../../src-main/engine/storage/unit-results-store.ts';
import { everyUnitValue, type EveryUnitValue } from '../stats/every-unit-value.ts';
import { makeTinyProject } from './tiny-project.ts';

let dir: string;
let path: string;
let engine: Engine;
let client: ReturnType<typeof connectInProcess>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-derived-'));
  path = join(dir, 'd.unitscope');
  await makeTinyProject(path, 6, 33);
  engine = new Engine();
  client = connectInProcess(engine);
  await client.call('run.start', { path, model: 'tiny', batch: 4 });
}, 120_000);
afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The analysis of a run's stored statistics (statsRun's) and its derived values, per layer, as the run's recipe gives them. */
function analysisOf(project: Project, runId: number, statsRun: number): { layer: string; results: EveryUnitValue[] }[] {
  const categories: CategoryDef[] = readRunCategories(project.db, runId).map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  const recipe: RecipeSettings = readRunRecord(project.db, runId)!.recipe;
  return readRunLayers(project.db, runId).map((tap, position) => {
    const s = readLayerStats(project.db, statsRun, position)!;
    const stats = { tap, count: s.count, mean: s.mean, m2: s.m2 };
    return { layer: tap.name, results: everyUnitValue(stats, categories, recipe, unitResults(stats, categories, recipe)) };
  });
}

const f32 = (v: number) => (Number.isFinite(Math.fround(v)) ? Math.fround(v) : null);
const f64 = (v: number) => (Number.isFinite(v) ? v : null);

function expectRowsEqualAnalysis(rows: UnitRow[], r: EveryUnitValue, where: string): void {
  for (const row of rows) {
    const u = row.unit;
    expect({ where, u, row: { ...row, unit: undefined, channel: undefined, y: undefined, x: undefined } }).toEqual({
      where,
      u,
      row: {
        selective: r.selective[u] === 1,
        csi: f32(r.csi[u]!),
        tMin: f32(r.tMin[u]!),
        pMax: f64(r.pMax[u]!),
        qMax: f64(r.qMax[u]!),
        meanTarget: f32(r.meanTarget[u]!),
        meanOthers: f32(r.meanOthers[u]!),
        dprime: f32(r.dprime[u]!),
        dprimeSecond: f32(r.dprimeSecond[u]!),
        meanPairT: f32(r.meanPairT[u]!),
      },
    });
  }
}

/** Pages of every sort (and a channel) and every whole column of a run, against the analysis. */
async function expectRunReadsAsAnalysed(runId: number, statsRun: number): Promise<number> {
  const project = Project.open(path, { readonly: true });
  let checked = 0;
  try {
    const values = new UnitValues(project, runId);
    for (const [position, { layer, results }] of analysisOf(project, runId, statsRun).entries()) {
      for (const r of results) {
        expect(recordLayout(project.db, runId, position, r.category)).toBe('kept');
        for (const sort of ['csi', 't', 'unit'] as const) {
          const page = await client.call('results.units', { path, run: runId, layer, category: r.category, sort, limit: 200 });
          expectRowsEqualAnalysis(page.units, r, `${layer}/${r.category} by ${sort}`);
          checked += page.units.length;
        }
        const channel = await client.call('results.units', { path, run: runId, layer, category: r.category, channels: [1], sort: 'unit', limit: 1000 });
        expectRowsEqualAnalysis(channel.units, r, `${layer}/${r.category} channel 1`);
        const columns = values.fields(position, r.category)!;
        for (const f of UNIT_FIELDS) {
          const want = r[f.field];
          const got = columns[f.name];
          expect(got.constructor.name, f.name).toBe(f.dtype === 'u8' ? 'Uint8Array' : f.dtype === 'f32' ? 'Float32Array' : 'Float64Array');
          expect(Array.from(got), `${layer}/${r.category} column ${f.name}`).toEqual(Array.from(f.dtype === 'f32' ? Float32Array.from(want) : want));
        }
      }
    }
  } finally {
    project.close();
  }
  return checked;
}

describe('unit values derived on read', () => {
  it('a run reads exactly as its analysis, page by page and column by column, storing only selection and q', async () => {
    expect(await expectRunReadsAsAnalysed(1, 1)).toBeGreaterThan(1000);
    const info = await client.call('project.info', { path });
    const units = (await client.call('results.table', { path, run: 1 })).rows.reduce((s, r) => s + r.units, 0);
    // 9 bytes of record + 4 of CSI order per unit result, + 8 per selective unit, + chunk trailers.
    expect(info.sizes!.unitResults / units).toBeLessThan(24);
  }, 120_000);

  it("chunks an older run's whole statistics before reanalysing it, and the reanalysis reads as analysed", async () => {
    // What a version before m150 left: the final statistics of run 1 as whole BLOBs.
    const project = Project.open(path);
    try {
      const db = project.db;
      readRunLayers(db, 1).forEach((_, position) => {
        const s = readLayerStats(db, 1, position)!;
        db.transaction(() => {
          db.prepare('DELETE FROM layer_stat_chunks WHERE run_id = 1 AND position = ?').run(position);
          db.prepare('UPDATE layer_stats SET mean = ?, m2 = ?, extra = NULL WHERE run_id = 1 AND position = ?').run(toBlob(s.mean), toBlob(s.m2), position);
        })();
      });
      expect(db.prepare('SELECT COUNT(*) AS n FROM layer_stat_chunks WHERE run_id = 1').get()).toEqual({ n: 0 });
    } finally {
      project.close();
    }
    const { run } = await client.call('run.reanalyze', { path, run: 1, recipe: { recipe: 'vs-rest' } });
    const reopened = Project.open(path, { readonly: true });
    try {
      const chunked = reopened.db.prepare("SELECT COUNT(*) AS n FROM layer_stats WHERE run_id = 1 AND state = 'final' AND extra IS NOT NULL").get() as { n: number };
      expect(chunked.n).toBe(readRunLayers(reopened.db, 1).length);
    } finally {
      reopened.close();
    }
    expect(await expectRunReadsAsAnalysed(run, 1)).toBeGreaterThan(1000);
    // The first run still reads as before from the rewritten statistics.
    expect(await expectRunReadsAsAnalysed(1, 1)).toBeGreaterThan(1000);
  }, 120_000);

  it("ranksum-maxp: p is the stored per-image evidence (its q), the other values derived", async () => {
    const { run } = await client.call('run.reanalyze', { path, run: 1, recipe: { recipe: 'ranksum-maxp' } });
    expect(await expectRunReadsAsAnalysedRankSum(run)).toBeGreaterThan(100);
  }, 120_000);
});

/** ranksum-maxp's p needs the per-image responses, so it is checked against the stored q (its p). */
async function expectRunReadsAsAnalysedRankSum(runId: number): Promise<number> {
  const project = Project.open(path, { readonly: true });
  let checked = 0;
  try {
    for (const { layer, results } of analysisOfWithoutP(project, runId)) {
      for (const r of results) {
        const page = await client.call('results.units', { path, run: runId, layer, category: r.category, sort: 'csi', limit: 200 });
        for (const row of page.units) {
          expect(row.pMax).toBe(row.qMax);
          expect(row.tMin).toBe(f32(r.tMin[row.unit]!));
          expect(row.csi).toBe(f32(r.csi[row.unit]!));
          checked++;
        }
      }
    }
  } finally {
    project.close();
  }
  return checked;
}

/** tMin and CSI of ranksum-maxp from the statistics (its selection and p come from per-image responses). */
function analysisOfWithoutP(project: Project, runId: number) {
  const categories: CategoryDef[] = readRunCategories(project.db, runId).map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  return readRunLayers(project.db, runId).map((tap, position) => {
    const s = readLayerStats(project.db, 1, position)!;
    const units = s.mean.length / categories.length;
    const perImage = { rankSumMaxP: categories.map(() => new Float64Array(units).fill(0.5)) };
    return { layer: tap.name, results: unitResults({ tap, count: s.count, mean: s.mean, m2: s.m2 }, categories, readRunRecord(project.db, runId)!.recipe, { perImage }) };
  });
}
