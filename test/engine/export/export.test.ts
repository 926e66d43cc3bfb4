// Export round trips on a real run of the tiny model: the CSV and the .npz are read back with
// python3 + numpy (as the issue asks) and compared value by value with the stored results; the Parquet
// file is read with hyparquet, the writer's own reader.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRun } from '../../../src-main/engine/export/export-run.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { resultsTable } from '../../../src-main/engine/runs/results-queries.ts';
import { readRunLayers } from '../../../src-main/engine/storage/run-inputs-store.ts';
import { unitResultBytes } from '../../../src-main/engine/storage/unit-results-store.ts';
import { statChunkUnits } from '../../../src-main/engine/storage/statistics-store.ts';
import { UnitValues } from '../../../src-main/engine/runs/unit-values.ts';
import { BLOB_TRAILER_BYTES } from '../../../src-main/engine/storage/blobs.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';
import { defaultRecipe } from '../../../src-main/contract/recipe.ts';

let dir: string;
let project: Project;
const LAYERS = ['layer2.0', 'avgpool'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-export-'));
  await makeTinyProject(join(dir, 'e.unitscope'), 6, 7);
  project = Project.open(join(dir, 'e.unitscope'));
  await runAnalysis(project, { model: 'tiny', batch: 4 });
}, 120_000);
afterAll(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The stored results of the exported layers in export order (layer, then category, then unit). */
function expected() {
  const layers = readRunLayers(project.db, 1);
  const rows = { layer: [] as string[], category: [] as string[], unit: [] as number[], channel: [] as number[], csi: [] as number[], p: [] as number[], selective: [] as number[], pairT: [] as number[] };
  layers.forEach((tap, position) => {
    if (!LAYERS.includes(tap.name)) return;
    for (const category of ['faces', 'scenes']) {
      const { csi, p_max: p, selective: sel, mean_pair_t: pairT } = new UnitValues(project, 1).fields(position, category, ['csi', 'p_max', 'selective', 'mean_pair_t'])!;
      for (let u = 0; u < csi.length; u++) {
        rows.layer.push(tap.name);
        rows.category.push(category);
        rows.unit.push(u);
        rows.channel.push(Math.floor(u / (tap.height * tap.width)));
        rows.csi.push(csi[u]!);
        rows.p.push(p[u]!);
        rows.selective.push(sel[u]!);
        rows.pairT.push(pairT[u]!);
      }
    }
  });
  return rows;
}

/** Runs python3 + numpy on an export; prints JSON summaries to compare. */
function python(script: string, folder: string): Record<string, unknown> {
  // JSON has no NaN: nn() turns NaN into null, which the comparisons below turn back.
  const prelude = 'import numpy as np\ndef nn(a):\n    return [None if np.isnan(v) else float(v) for v in a.tolist()]\n';
  return JSON.parse(execFileSync('python3', ['-c', prelude + script, folder], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Record<string, unknown>;
}

describe('export', () => {
  it('writes a CSV that numpy reads back to the stored float32/float64 values', async () => {
    const out = join(dir, 'csv');
    const { files } = await exportRun(project, { run: 1, format: 'csv', out, layers: LAYERS });
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual(['layers.csv', 'load.R', 'load.py', 'manifest.json', 'units.csv']);
    const exp = expected();
    const got = python(
      `import sys, json, numpy as np
d = np.genfromtxt(sys.argv[1] + "/units.csv", delimiter=",", names=True, dtype=None, encoding="utf8", missing_values="", filling_values=np.nan)
print(json.dumps({"names": list(d.dtype.names), "n": int(d.shape[0]), "layer": d["layer"].tolist(), "unit": d["unit"].tolist(),
  "channel": d["channel"].tolist(), "csi32": nn(d["csi"].astype(np.float32)), "p": nn(d["p_max"]), "selective": d["selective"].tolist(),
  "pairT32": nn(d["mean_pair_t"].astype(np.float32))}))`,
      out,
    );
    expect(got.names).toEqual(['model', 'layer', 'unit', 'channel', 'y', 'x', 'category', 'selective', 'csi', 't_min', 'p_max', 'q_max', 'mean', 'mean_others', 'dprime', 'dprime_second', 'mean_pair_t']);
    expect(got.n).toBe(exp.unit.length);
    expect(got.layer).toEqual(exp.layer);
    expect(got.unit).toEqual(exp.unit);
    expect(got.channel).toEqual(exp.channel);
    expect(got.selective).toEqual(exp.selective);
    // float32 values printed with 9 digits parse back to the identical float32; float64 exactly.
    expect((got.csi32 as (number | null)[]).map((v) => (v === null ? NaN : v))).toEqual(exp.csi.map((v) => v));
    expect((got.p as (number | null)[]).map((v) => (v === null ? NaN : v))).toEqual(exp.p);
    expect((got.pairT32 as (number | null)[]).map((v) => (v === null ? NaN : v))).toEqual(exp.pairT);
    const layersCsv = readFileSync(join(out, 'layers.csv'), 'utf8').trim().split('\n');
    expect(layersCsv).toHaveLength(1 + LAYERS.length * 2);
  });

  it('writes an .npz with one array per column that numpy loads', async () => {
    const out = join(dir, 'npz');
    await exportRun(project, { run: 1, format: 'npy', out, layers: LAYERS });
    const exp = expected();
    const got = python(
      `import sys, json, numpy as np
z = np.load(sys.argv[1] + "/units.npz")
layer = z["layer_names"][z["layer"]]
cat = z["category_names"][z["category"]]
print(json.dumps({"files": sorted(z.files), "dtypes": {k: str(z[k].dtype) for k in ["unit", "csi", "p_max", "selective"]},
  "layer": layer.tolist(), "category": cat.tolist(), "unit": z["unit"].tolist(), "csi": nn(z["csi"]), "p": nn(z["p_max"])}))`,
      out,
    );
    expect(got.files).toEqual([
      'category',
      'category_names',
      'channel',
      'csi',
      'dprime',
      'dprime_second',
      'layer',
      'layer_names',
      'mean',
      'mean_others',
      'mean_pair_t',
      'model',
      'model_names',
      'p_max',
      'q_max',
      'selective',
      't_min',
      'unit',
      'x',
      'y',
    ]);
    expect(got.dtypes).toEqual({ unit: 'int32', csi: 'float32', p_max: 'float64', selective: 'uint8' });
    expect(got.layer).toEqual(exp.layer);
    expect(got.category).toEqual(exp.category);
    expect(got.unit).toEqual(exp.unit);
    expect((got.csi as (number | null)[]).map((v) => (v === null ? NaN : v))).toEqual(exp.csi);
    expect((got.p as (number | null)[]).map((v) => (v === null ? NaN : v))).toEqual(exp.p);
  });

  it('writes Parquet that hyparquet reads back, and a complete manifest', async () => {
    const out = join(dir, 'parquet');
    await exportRun(project, { run: 1, format: 'parquet', out, layers: LAYERS });
    const exp = expected();
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(join(out, 'units.parquet')) })) as Record<string, unknown>[];
    expect(rows).toHaveLength(exp.unit.length);
    expect(rows.map((r) => r.layer)).toEqual(exp.layer);
    expect(rows.map((r) => r.unit)).toEqual(exp.unit);
    expect(rows.map((r) => r.selective)).toEqual(exp.selective.map((s) => s === 1));
    expect(rows.map((r) => r.csi)).toEqual(exp.csi);
    expect(rows.map((r) => r.p_max)).toEqual(exp.p);
    expect(rows.map((r) => r.mean_pair_t)).toEqual(exp.pairT);
    const layers = (await parquetReadObjects({ file: await asyncBufferFromFile(join(out, 'layers.parquet')) })) as Record<string, unknown>[];
    expect(layers.map((r) => `${String(r.layer)}/${String(r.category)}`)).toEqual(['layer2.0/faces', 'layer2.0/scenes', 'avgpool/faces', 'avgpool/scenes']);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(manifest.app.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.model.preprocessing.preset).toBe('none');
    expect(manifest.model.taps.map((t: { name: string }) => t.name)).toEqual(['stem', 'layer1.0', 'layer2.0', 'layer3.0', 'avgpool']);
    expect(manifest.stimuli.count).toBe(18);
    expect(manifest.stimuli.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.stimuli.images[0]).toMatchObject({ category: 'faces', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Every setting of the recipe table, with its value.
    expect(manifest.recipe).toMatchObject({ recipe: 'pairwise-t', variance: 'pooled', fdr: 'bh', alpha: 0.05, against: 'all', topk: 1, topkScope: 'layer', dprime: 1, ranksumP: 0.001, seed: 0 });
    expect(Object.keys(manifest.recipe as object)).toEqual(Object.keys(defaultRecipe));
    expect(manifest.seeds).toEqual({ recipe: 0 });
    expect(manifest.execution.provider).toBe('cpu');
    // The run record says which reduction computed the statistics (the exact one by default).
    expect(manifest.execution.precision).toBe('float64');
    expect(manifest.timings.totalSeconds).toBeGreaterThan(0);
    expect(manifest.timings.extractionSeconds).toBeGreaterThan(0);
    expect(manifest.platform.node).toBe(process.version);
    expect(manifest.export).toMatchObject({ format: 'parquet', layers: LAYERS, rows: exp.unit.length });
  });
});

describe('project info', () => {
  it('reports schema, sizes by kind, runs with recipe, provider and phase timings', () => {
    const info = project.info();
    expect(info.schemaVersion).toBeGreaterThanOrEqual(40);
    expect(info.imageCount).toBe(18);
    expect(info.modelCount).toBe(1);
    expect(info.runs[0]).toMatchObject({ id: 1, status: 'finished', provider: 'cpu', recipe: { recipe: 'pairwise-t', alpha: 0.05 } });
    // 5 taps, 2 targets: 16384+16384+8192+4096+64 = 45120 units x 2 targets, each with a 9-byte record
    // (selection u8 + q f64; the rest derives from the statistics) and its place in the CSI order (4), plus
    // two int32 per selective unit (its place in the selective units by CSI and by t); every stored chunk
    // ends in its 8-byte checksum trailer.
    const selective = resultsTable(project, 1).rows.reduce((s, r) => s + r.selective, 0);
    const blobs = unitResultBytes(project.db).columns;
    expect(info.sizes!.unitResults).toBe(45120 * 2 * (9 + 4) + 2 * 4 * selective + blobs * BLOB_TRAILER_BYTES);
    // 3 categories x units x (mean + m2) x 8 bytes + counts; per layer the count, the empty mean and m2
    // that say the values are in layer_stat_chunks and the unit count (extra, one float64), each with its
    // trailer; then one trailer per chunk.
    const chunks = [16384, 16384, 8192, 4096, 64].reduce((s, units) => s + Math.ceil(units / statChunkUnits(3)), 0);
    expect(info.sizes!.statistics).toBe(45120 * 3 * 16 + 5 * 3 * 8 + 5 * 8 + 5 * 4 * BLOB_TRAILER_BYTES + chunks * BLOB_TRAILER_BYTES);
    expect(info.sizes!.file).toBeGreaterThan(info.sizes!.unitResults);
    expect(info.runTimings![1]!.totalSeconds).toBeGreaterThan(0);
    expect(info.runTimings![1]!.extractionSeconds).toBeGreaterThan(0);
  });
});
