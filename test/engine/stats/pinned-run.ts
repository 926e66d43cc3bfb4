// A whole small run, as a user makes it, reduced to what pins its results: the tiny project (seeded
// images, the generated tiny CNN) run with the default recipe through the contract, reanalysed with the
// other recipes, and every run exported to CSV. Used by pinned-run.test.ts and, once, by
// test/fixtures/stats/make_pinned_run.ts, which wrote test/fixtures/stats/pinned-run.json with the code
// as it was before the statistics kernels were rewritten for speed (issue 20).
//
// What is pinned: per run, layer and category, the selective mask bit for bit, p_max and q_max as float64
// (compared to 1e-12 relative: a faster t tail may move them by a few ulps, never more), and a sha256 of
// every other exported column's text (bit for bit); the layers.csv table value by value. The statistics
// themselves are digested too, so a failure says whether the extraction or the analysis changed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecipeInput } from '../../../src-main/contract/recipe.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { readLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

export const PINNED_LAYERS = ['layer3.0', 'avgpool'];
/** Images per category of the pinned project. */
export const PINNED_IMAGES_PER_CATEGORY = 6;

/** The first run uses the default recipe; each further one reanalyses it with these settings. */
export const PINNED_REANALYSES: RecipeInput[] = [
  { recipe: 'pairwise-t', variance: 'welch', fdr: 'by' },
  { recipe: 'prince2024', against: 'targets+own-control' },
  { recipe: 'vs-rest', fdr: 'bonferroni' },
  { recipe: 'top-k', topk: 5, topkScope: 'global' },
  { recipe: 'dprime', dprime: 0.5 },
];

export interface PinnedChunk {
  layer: string;
  category: string;
  /** base64 of one byte per unit, 0 or 1. */
  selective: string;
  /** base64 of the float64 values as exported (NaN for empty cells). */
  pMax: string;
  qMax: string;
  /** sha256 of the exported text of every other column, in export order. */
  others: string;
}

export interface PinnedRun {
  recipe: string;
  chunks: PinnedChunk[];
  /** layers.csv as parsed numbers or strings (null for empty). */
  layers: { header: string[]; rows: (string | number | null)[][] };
}

export interface PinnedResults {
  statistics: string;
  runs: PinnedRun[];
}

function parseCell(text: string): number {
  if (text === '') return NaN;
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

function base64(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Columns the export gained after the pin was made, left out of `others` so the pinned columns are
 * compared as they were: d' vs second and the mean pairwise t (reported since 2026-12-02, derived on
 * read; recipes.test.ts holds them against scipy).
 */
const ADDED_AFTER_PIN = ['dprime_second', 'mean_pair_t'];

function digestUnits(csv: string): PinnedChunk[] {
  const lines = csv.trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  const [iLayer, iCategory, iSelective, iP, iQ] = ['layer', 'category', 'selective', 'p_max', 'q_max'].map(col) as [number, number, number, number, number];
  const added = ADDED_AFTER_PIN.map(col);
  if (added.includes(-1)) throw new Error(`units.csv has no column ${ADDED_AFTER_PIN.filter((_, i) => added[i] === -1).join(', ')}`);
  const otherColumns = header.map((_, i) => i).filter((i) => i > header.indexOf('category') && ![iSelective, iP, iQ, ...added].includes(i));
  const groups = new Map<string, string[][]>();
  for (const line of lines.slice(1)) {
    // No field of these runs holds a comma (layer and category names are plain words).
    const cells = line.split(',');
    const key = `${cells[iLayer]}\u0000${cells[iCategory]}`;
    let rows = groups.get(key);
    if (!rows) groups.set(key, (rows = []));
    rows.push(cells);
  }
  return [...groups.entries()].map(([key, rows]) => {
    const [layer, category] = key.split('\u0000') as [string, string];
    const others = createHash('sha256');
    for (const r of rows) others.update(`${otherColumns.map((i) => r[i]).join(',')}\n`);
    return {
      layer,
      category,
      selective: base64(Uint8Array.from(rows, (r) => Number(r[iSelective]))),
      pMax: base64(Float64Array.from(rows, (r) => parseCell(r[iP]!))),
      qMax: base64(Float64Array.from(rows, (r) => parseCell(r[iQ]!))),
      others: others.digest('hex'),
    };
  });
}

function parseLayers(csv: string): PinnedRun['layers'] {
  const [head, ...rows] = csv.trimEnd().split('\n');
  return {
    header: head!.split(','),
    rows: rows.map((line) => line.split(',').map((cell) => (cell === '' ? null : Number.isNaN(Number(cell)) ? cell : Number(cell)))),
  };
}

/** Makes the tiny project in `dir`, runs, reanalyses and exports it, and returns the pinned digest. */
export async function pinnedRunResults(dir: string): Promise<PinnedResults> {
  const path = join(dir, 'pinned.unitscope');
  await makeTinyProject(path, PINNED_IMAGES_PER_CATEGORY, 21);
  const engine = new Engine();
  const client = connectInProcess(engine);
  try {
    const first = await client.call('run.start', { path, model: 'tiny', layers: PINNED_LAYERS, batch: 4 });
    const runs: { id: number; recipe: string }[] = [{ id: first.run, recipe: JSON.stringify({ recipe: 'pairwise-t' }) }];
    for (const recipe of PINNED_REANALYSES) {
      const again = await client.call('run.reanalyze', { path, run: first.run, recipe });
      runs.push({ id: again.run, recipe: JSON.stringify(recipe) });
    }
    const pinned: PinnedRun[] = [];
    for (const run of runs) {
      const out = join(dir, `export-${run.id}`);
      await client.call('export.run', { path, run: run.id, format: 'csv', out });
      pinned.push({ recipe: run.recipe, chunks: digestUnits(readFileSync(join(out, 'units.csv'), 'utf8')), layers: parseLayers(readFileSync(join(out, 'layers.csv'), 'utf8')) });
    }
    client.disconnect();
    const project = Project.open(path);
    const stats = createHash('sha256');
    try {
      PINNED_LAYERS.forEach((_, l) => {
        const s = readLayerStats(project.db, first.run, l)!;
        for (const a of [s.count, s.mean, s.m2]) stats.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
      });
    } finally {
      project.close();
    }
    return { statistics: stats.digest('hex'), runs: pinned };
  } finally {
    engine.close();
  }
}
