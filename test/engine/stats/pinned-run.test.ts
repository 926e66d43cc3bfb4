// A whole small run's exported results stay what they were before the statistics kernels were rewritten
// for speed (issue 20): masks and every column but p/q bit for bit, p_max and q_max to 1e-12 relative,
// the layer table to 1e-12. The fixture was written by test/fixtures/stats/make_pinned_run.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFixture, mismatch } from './fixture-support.ts';
import { PINNED_IMAGES_PER_CATEGORY, pinnedRunResults, type PinnedResults } from './pinned-run.ts';

const pinned = loadFixture<PinnedResults>('pinned-run.json');
const dir = mkdtempSync(join(tmpdir(), 'unitscope-pinned-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f64 = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

describe('a whole small run', () => {
  it('stores and exports the pinned results for every recipe', async () => {
    const now = await pinnedRunResults(dir);
    // Same statistics in: otherwise the extraction changed, not the analysis.
    expect(now.statistics).toBe(pinned.statistics);
    expect(now.runs.map((r) => r.recipe)).toEqual(pinned.runs.map((r) => r.recipe));
    now.runs.forEach((run, i) => {
      const ref = pinned.runs[i]!;
      expect(run.chunks.map((c) => `${c.layer}/${c.category}`)).toEqual(ref.chunks.map((c) => `${c.layer}/${c.category}`));
      run.chunks.forEach((chunk, j) => {
        const expected = ref.chunks[j]!;
        const where = `${run.recipe} ${chunk.layer}/${chunk.category}`;
        expect(chunk.selective, `${where}: mask`).toBe(expected.selective);
        expect(chunk.others, `${where}: other columns`).toBe(expected.others);
        expect(mismatch(f64(chunk.pMax), f64(expected.pMax), 1e-12), `${where}: p_max`).toBeNull();
        expect(mismatch(f64(chunk.qMax), f64(expected.qMax), 1e-12), `${where}: q_max`).toBeNull();
      });
      // The pin was made when layers.csv repeated units, selectiveCount and proportion among the metrics
      // (issue 16 removed the repeats); every other column is still pinned, by name.
      const repeated = ['units', 'selectiveCount', 'proportion'];
      const metricsFrom = ref.layers.header.indexOf('proportion') + 1;
      const pinnedColumns = ref.layers.header.map((name, c) => ({ name, c })).filter(({ name, c }) => !(c >= metricsFrom && repeated.includes(name)));
      // It also added each row's n: the images of its category (checked against the run's categories).
      const images = run.layers.header.indexOf('images');
      expect(images).toBe(metricsFrom);
      for (const row of run.layers.rows) expect(row[images]).toBe(PINNED_IMAGES_PER_CATEGORY);
      const header = run.layers.header.filter((_, c) => c !== images);
      expect(header).toEqual(pinnedColumns.map((p) => p.name));
      expect(run.layers.rows.length).toBe(ref.layers.rows.length);
      run.layers.rows.forEach((full, r) => {
        const row = full.filter((_, c) => c !== images);
        row.forEach((cell, c) => {
          const want = ref.layers.rows[r]![pinnedColumns[c]!.c]!;
          if (typeof want === 'number' && typeof cell === 'number') expect(mismatch([cell], [want], 1e-12), `${run.recipe} layers.csv [${r}][${header[c]}]`).toBeNull();
          else expect(cell).toEqual(want);
        });
      });
    });
    // The pin holds selective units, so it would catch a changed mask.
    expect(pinned.runs.some((r) => r.chunks.some((c) => Buffer.from(c.selective, 'base64').includes(1)))).toBe(true);
  }, 120_000);
});
