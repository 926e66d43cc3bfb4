// m110 rewrites unit results stored in the layout before it (columns + 44-byte sorted records, made by
// the code of that time: test/fixtures/projects/make-units-schema100.ts) into the current one, and every
// unit query and stored column answers exactly as it did before, on a real SQLite file.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { unitsPage } from '../../../src-main/engine/runs/results-queries.ts';
import { readUnitColumn, unitResultBytes } from '../../../src-main/engine/storage/unit-results-store.ts';
import { UnitValues } from '../../../src-main/engine/runs/unit-values.ts';
import { answerHash, fixtureQueries, TAPS, TARGETS } from '../../fixtures/projects/make-units-schema100.ts';
import { BLOB_TRAILER_BYTES } from '../../../src-main/engine/storage/blobs.ts';

const FIXTURE = new URL('../../fixtures/projects/units-schema100.unitscope', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('../../fixtures/projects/units-schema100.expected.json', import.meta.url), 'utf8')) as {
  columns: Record<string, Record<string, string>>;
  pages: string[];
};
const COLUMNS = [
  ['selective', 'u8'],
  ['csi', 'f32'],
  ['t_min', 'f32'],
  ['p_max', 'f64'],
  ['q_max', 'f64'],
  ['mean_target', 'f32'],
  ['mean_others', 'f32'],
  ['dprime', 'f32'],
  ['csi_order', 'i32'],
] as const;

let dir: string;
let project: Project;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-m110-'));
  const path = join(dir, 'old.unitscope');
  copyFileSync(FIXTURE, path);
  project = Project.open(path);
});
afterEach(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('m110: unit results rewritten as records and orders', () => {
  it('answers every unit query exactly as the layout before it did', () => {
    const queries = fixtureQueries();
    expect(queries.length).toBe(expected.pages.length);
    // Runs in this layout never stored d' vs second or the mean pairwise t: readers give NaN (null) for
    // them, and every value the layout holds as before.
    const answers = queries.map((q) => {
      const page = unitsPage(project, q);
      for (const row of page.units) expect([row.dprimeSecond, row.meanPairT]).toEqual([null, null]);
      return answerHash({ ...page, units: page.units.map(({ dprimeSecond: _second, meanPairT: _pairT, ...row }) => row) });
    });
    // Compared one by one so a failure names the query.
    queries.forEach((q, i) => expect({ q, hash: answers[i] }).toEqual({ q, hash: expected.pages[i] }));
  });

  it('keeps every stored column, and drops the old BLOBs', () => {
    TAPS.forEach((_, position) => {
      for (const category of TARGETS) {
        for (const [name, dtype] of COLUMNS) {
          const values = name === 'csi_order' ? readUnitColumn(project.db, 1, position, category, name, dtype) : new UnitValues(project, 1).fields(position, category, [name])?.[name];
          expect({ column: `${position}/${category}/${name}`, hash: answerHash(Array.from(values!)) }).toEqual({
            column: `${position}/${category}/${name}`,
            hash: expected.columns[`${position}/${category}`]![name],
          });
        }
      }
    });
    const names = project.db.prepare("SELECT DISTINCT substr(name, 1, instr(name || '#', '#') - 1) AS name FROM unit_columns ORDER BY 1").all() as { name: string }[];
    expect(names.map((n) => n.name)).toEqual(['csi_order', 'selective_csi', 'selective_t', 'units']);
    // 5,185 units x 2 targets x (37 bytes of record + 4 of CSI order) + 2 x 4 bytes per selective unit.
    const selective = (project.db.prepare('SELECT SUM(selective) AS n FROM layer_results WHERE run_id = 1').get() as { n: number }).n;
    // Every stored chunk ends in its 8-byte checksum trailer (m120).
    const stored = 5185 * 2 * 41 + 8 * selective + unitResultBytes(project.db, 1).columns * BLOB_TRAILER_BYTES;
    expect(unitResultBytes(project.db, 1).bytes).toBe(stored);
    expect(project.info().sizes!.unitResults).toBe(stored);
    expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
