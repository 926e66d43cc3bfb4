// Final sufficient statistics in unit-major chunks (m150, statistics-store.ts), on real SQLite files: the
// values come back byte-identical from both layouts (chunked, and whole BLOBs as older versions wrote
// final rows), a scattered page of units reads the same values as picking from the whole layer, state
// changes leave no stale chunks, the storage totals follow every write, damage names the chunk, and a
// project at the schema before m150 opens, migrates and rewrites into chunks with its values unchanged.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProject } from '../../../src-main/engine/project-check.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { toBlob } from '../../../src-main/engine/storage/blobs.ts';
import { storedBytes } from '../../../src-main/engine/storage/project-store.ts';
import { chunkFinalStats, readLayerStats, readUnitStats, statChunkUnits, verifyLayerStats, writeLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { analysedCopies, type AnalysedCopies } from '../../support/analysed-copies.ts';
import type { LayerStats } from '../../../src-main/engine/pipeline-types.ts';

let copies: AnalysedCopies;
let copiesMade = 0;
beforeAll(async () => {
  copies = await analysedCopies('unitscope-stat-chunks-', 'p.unitscope');
}, 120_000);
afterAll(() => copies.remove());

/** A fresh copy of the tiny analysed project (run #1 finished), opened. */
function openCopy(): { project: Project; path: string } {
  const path = copies.copyOf(`copy-${copiesMade++}`);
  return { project: Project.open(path), path };
}

/** Seeded values with the float64 edge cases in them: NaN (two payloads), -0, +-Inf, subnormals. */
function values(length: number, seed: number): Float64Array {
  const out = new Float64Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 10 ** ((s % 13) - 6);
  }
  const special = new Float64Array([NaN, -0, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE]);
  for (let j = 0; j < special.length && j * 7 < length; j++) out[j * 7] = special[j]!;
  if (length > 3) new DataView(out.buffer).setBigUint64(3 * 8, 0x7ff8_0000_dead_beefn, true); // a NaN with a payload
  return out;
}

function layerStats(K: number, units: number, seed: number): LayerStats {
  return { tap: undefined as never, count: Float64Array.from({ length: K }, (_, k) => 10 + k), mean: values(K * units, seed), m2: values(K * units, seed + 1) };
}

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const chunkRows = (db: Project['db'], run: number, position: number) =>
  (db.prepare('SELECT COUNT(*) AS n FROM layer_stat_chunks WHERE run_id = ? AND position = ?').get(run, position) as { n: number }).n;

/** Sums over the stored rows, the totals' kind 'statistics' (storage-totals.test.ts has the others). */
function summedStatistics(db: Project['db']): number {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
  return one('SELECT SUM(length(count) + length(mean) + length(m2) + COALESCE(length(extra), 0)) AS n FROM layer_stats') + one('SELECT SUM(length(data)) AS n FROM layer_stat_chunks');
}

/** Picks `units` from whole category-major arrays by copying bytes (so NaN payloads are compared too). */
function picked(all: Float64Array, K: number, units: readonly number[]): Float64Array {
  const total = all.length / K;
  const out = new Float64Array(K * units.length);
  for (let k = 0; k < K; k++) units.forEach((u, i) => bytes(out).set(bytes(all).subarray((k * total + u) * 8, (k * total + u + 1) * 8), (k * units.length + i) * 8));
  return out;
}

/** Stores a final row the way versions before m150 did: mean and m2 whole, extra NULL, no chunks. */
function writeWholeFinal(db: Project['db'], run: number, position: number, stats: LayerStats): void {
  db.prepare(`INSERT OR REPLACE INTO layer_stats (run_id, position, state, count, mean, m2, extra) VALUES (?, ?, 'final', ?, ?, ?, NULL)`).run(
    run,
    position,
    toBlob(stats.count),
    toBlob(stats.mean),
    toBlob(stats.m2),
  );
}

function randomUnits(total: number, n: number, seed: number): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(i % 10 === 9 && out.length > 0 ? out[s % out.length]! : s % total); // every tenth a repeat
  }
  return [...out, 0, total - 1, 0, 3]; // unit 3's first mean is the NaN with a payload
}

describe('chunked final statistics', () => {
  it('pins the chunk size (stored runs depend on it) and fits one chunk and its trailer in a 4 KB page', () => {
    expect([1, 2, 6, 13, 35, 248, 249, 1000].map(statChunkUnits)).toEqual([248, 124, 41, 19, 7, 1, 1, 1]);
    for (const K of [1, 2, 6, 13, 35, 248]) expect(16 * K * statChunkUnits(K) + 8).toBeLessThanOrEqual(3976);
  });

  it('round-trips byte-identical for K in 1, 2, 6, 13, unit counts around the chunk size, in the documented layout', () => {
    const { project } = openCopy();
    const db = project.db;
    try {
      let position = 100;
      for (const K of [1, 2, 6, 13]) {
        const S = statChunkUnits(K);
        for (const units of [1, S - 1, S, S + 1, 3 * S + 7]) {
          const stats = layerStats(K, units, position);
          writeLayerStats(db, 1, position, stats, 'final');
          expect(chunkRows(db, 1, position)).toBe(Math.ceil(units / S));
          const back = readLayerStats(db, 1, position)!;
          expect(back.state).toBe('final');
          expect(bytes(back.count).equals(bytes(stats.count))).toBe(true);
          expect(bytes(back.mean).equals(bytes(stats.mean)), `K ${K}, ${units} units: mean`).toBe(true);
          expect(bytes(back.m2).equals(bytes(stats.m2)), `K ${K}, ${units} units: m2`).toBe(true);
          // Each array has its own buffer (callers compare .buffer whole).
          expect(back.mean.byteLength).toBe(back.mean.buffer.byteLength);
          // The last chunk: its units' K mean blocks, then K m2 blocks, sealed.
          const last = Math.ceil(units / S) - 1;
          const n = units - last * S;
          const data = (db.prepare('SELECT data FROM layer_stat_chunks WHERE run_id = 1 AND position = ? AND chunk = ?').get(position, last) as { data: Buffer }).data;
          const expected = new Float64Array(2 * K * n);
          for (let k = 0; k < K; k++) {
            expected.set(stats.mean.subarray(k * units + last * S, k * units + units), k * n);
            expected.set(stats.m2.subarray(k * units + last * S, k * units + units), (K + k) * n);
          }
          expect(data.equals(toBlob(expected))).toBe(true);
          position++;
        }
      }
      verifyLayerStats(db, 1);
      expect(storedBytes(db).statistics).toBe(summedStatistics(db));
    } finally {
      project.close();
    }
  });

  it('readUnitStats of scattered units with repeats equals picking from the whole layer, in both layouts', () => {
    const { project } = openCopy();
    const db = project.db;
    try {
      for (const [K, total] of [
        [6, 5000],
        [1, 700],
        [13, 333],
      ] as const) {
        const stats = layerStats(K, total, K);
        writeLayerStats(db, 1, 200 + K, stats, 'final');
        writeWholeFinal(db, 1, 300 + K, stats);
        expect(chunkRows(db, 1, 300 + K)).toBe(0);
        const units = randomUnits(total, 400, K);
        for (const position of [200 + K, 300 + K]) {
          const page = readUnitStats(db, 1, position, Int32Array.from(units))!;
          expect(page.state).toBe('final');
          expect(bytes(page.count).equals(bytes(stats.count))).toBe(true);
          expect(bytes(page.mean).equals(bytes(picked(stats.mean, K, units))), `position ${position}: mean`).toBe(true);
          expect(bytes(page.m2).equals(bytes(picked(stats.m2, K, units))), `position ${position}: m2`).toBe(true);
          expect(bytes(readUnitStats(db, 1, position, [])!.mean).length).toBe(0);
          expect(() => readUnitStats(db, 1, position, [total])).toThrow(/unit \d+ is not in layer/);
        }
      }
      // The real run's layers (chunked when it finished) agree with their whole arrays.
      for (let l = 0; l < 4; l++) {
        const whole = readLayerStats(db, 1, l)!;
        const K = whole.count.length;
        const units = randomUnits(whole.mean.length / K, 50, l + 1);
        expect(chunkRows(db, 1, l)).toBeGreaterThan(0);
        expect(bytes(readUnitStats(db, 1, l, units)!.mean).equals(bytes(picked(whole.mean, K, units)))).toBe(true);
      }
      expect(readUnitStats(db, 1, 999, [0])).toBeUndefined();
    } finally {
      project.close();
    }
  });

  it('partial, final, partial, final: no stale chunk is left and each read gives what was written last', () => {
    const { project } = openCopy();
    const db = project.db;
    try {
      const K = 2;
      const S = statChunkUnits(K);
      const steps: [LayerStats, 'partial' | 'final', number][] = [
        [layerStats(K, 5 * S + 3, 1), 'partial', 0],
        [layerStats(K, 5 * S + 3, 2), 'final', 6],
        [layerStats(K, 5 * S + 3, 3), 'partial', 0],
        [layerStats(K, 5 * S + 3, 4), 'final', 6],
        [layerStats(K, 2 * S, 5), 'final', 2], // fewer units: the chunks beyond are gone
        [layerStats(K, 0, 6), 'final', 0], // no units: nothing to chunk
      ];
      for (const [stats, state, chunks] of steps) {
        writeLayerStats(db, 1, 50, stats, state);
        expect(chunkRows(db, 1, 50), `${state} of ${stats.mean.length / K} units`).toBe(chunks);
        const back = readLayerStats(db, 1, 50)!;
        expect(back.state).toBe(state);
        expect(bytes(back.mean).equals(bytes(stats.mean))).toBe(true);
        expect(bytes(back.m2).equals(bytes(stats.m2))).toBe(true);
        expect(storedBytes(db).statistics).toBe(summedStatistics(db));
      }
      expect(() => writeLayerStats(db, 1, 51, { ...layerStats(3, 4, 1), m2: new Float64Array(11) }, 'final')).toThrow(/12 means and 11 m2 for 3 categories/);
    } finally {
      project.close();
    }
  });

  it('damage in a chunk (a flipped byte, a lost or resized chunk) is refused naming the chunk, by reads and by project check', async () => {
    const { project, path } = openCopy();
    const db = project.db;
    const K = 6;
    const S = statChunkUnits(K);
    const units = 10 * S + 5;
    for (const position of [60, 61, 62, 63]) writeLayerStats(db, 1, position, layerStats(K, units, position), 'final');
    const data = (position: number, chunk: number) => (db.prepare('SELECT data FROM layer_stat_chunks WHERE run_id = 1 AND position = ? AND chunk = ?').get(position, chunk) as { data: Buffer }).data;
    const flipped = Buffer.from(data(60, 3));
    flipped[100] = flipped[100]! ^ 0x04;
    db.prepare('UPDATE layer_stat_chunks SET data = ? WHERE run_id = 1 AND position = 60 AND chunk = 3').run(flipped);
    db.prepare('DELETE FROM layer_stat_chunks WHERE run_id = 1 AND position = 61 AND chunk = 4').run();
    db.prepare('DELETE FROM layer_stat_chunks WHERE run_id = 1 AND position = 62 AND chunk = 10').run(); // the last one
    db.prepare('UPDATE layer_stat_chunks SET data = ? WHERE run_id = 1 AND position = 63 AND chunk = 2').run(toBlob(new Float64Array(2 * K * (S - 1))));
    try {
      expect(storedBytes(db).statistics).toBe(summedStatistics(db)); // the totals follow updates and deletes of chunks
      const file = project.path;
      expect(() => readLayerStats(db, 1, 60)).toThrow(`${file}: the project is damaged (the stored data of run #1, layer at position 60, table layer_stat_chunks (chunk 3) does not match its checksum)`);
      expect(() => readLayerStats(db, 1, 60)).toThrow("make the run again with 'unitscope run'");
      expect(() => readUnitStats(db, 1, 60, [3 * S + 1])).toThrow(/layer_stat_chunks \(chunk 3\) does not match its checksum/);
      expect(readUnitStats(db, 1, 60, [2 * S, 4 * S])!.mean.length).toBe(2 * K); // other chunks still read
      expect(() => verifyLayerStats(db, 1)).toThrow(/layer_stat_chunks \(chunk 3\)/);
      expect(() => readLayerStats(db, 1, 61)).toThrow(/table layer_stat_chunks \(chunk 4\) is missing/);
      expect(() => readUnitStats(db, 1, 61, [0, 4 * S + 2])).toThrow(/table layer_stat_chunks \(chunk 4\) is missing/);
      expect(() => readLayerStats(db, 1, 62)).toThrow(/table layer_stat_chunks \(chunk 10\) is missing/);
      expect(() => readUnitStats(db, 1, 62, [units - 1])).toThrow(/table layer_stat_chunks \(chunk 10\) is missing/);
      expect(() => readLayerStats(db, 1, 63)).toThrow(/table layer_stat_chunks \(chunk 2\) has 3848 bytes, not 3944/);
      expect(() => readUnitStats(db, 1, 63, [2 * S])).toThrow(/chunk 2\) has 3848 bytes, not 3944/);
    } finally {
      project.close();
    }
    const report = await checkProject(path);
    expect(report.ok).toBe(false);
    expect(report.damage.map((d) => `${d.where}: ${d.problem}`)).toEqual(['run #1, layer at position 60, table layer_stat_chunks (chunk 3): the stored data does not match its checksum']);
    expect(report.damage[0]!.recovery).toContain("make the run again with 'unitscope run'");
  });

  it('chunkFinalStats rewrites whole final rows into chunks with the same values, once; partial rows stay whole', () => {
    const { project } = openCopy();
    const db = project.db;
    try {
      const old = layerStats(6, 1000, 7);
      writeWholeFinal(db, 1, 70, old);
      writeWholeFinal(db, 1, 71, layerStats(2, 0, 8)); // no units: nothing to chunk
      writeLayerStats(db, 1, 72, layerStats(6, 100, 9), 'partial');
      db.prepare("UPDATE storage_totals SET bytes = ? WHERE kind = 'statistics'").run(summedStatistics(db)); // the rows above bypassed the store
      expect(chunkFinalStats(db, 1)).toBe(1);
      expect(chunkRows(db, 1, 70)).toBe(Math.ceil(1000 / statChunkUnits(6)));
      expect(chunkRows(db, 1, 72)).toBe(0);
      const back = readLayerStats(db, 1, 70)!;
      expect(bytes(back.mean).equals(bytes(old.mean))).toBe(true);
      expect(bytes(back.m2).equals(bytes(old.m2))).toBe(true);
      expect(chunkFinalStats(db, 1)).toBe(0);
      expect(storedBytes(db).statistics).toBe(summedStatistics(db));
    } finally {
      project.close();
    }
  });
});

describe('a project at the schema before m150', () => {
  it('opens, migrates, reads its whole final rows unchanged, and chunkFinalStats moves them into chunks', () => {
    const path = copies.copyOf('schema140');
    const before = Project.open(path);
    const original = [0, 1, 2, 3].map((l) => readLayerStats(before.db, 1, l)!);
    before.close();
    // Make it what Unitscope wrote at schema 140: final rows whole, no layer_stat_chunks table.
    const raw = new Database(path);
    raw.transaction(() => {
      original.forEach((s, l) => raw.prepare('UPDATE layer_stats SET mean = ?, m2 = ?, extra = NULL WHERE run_id = 1 AND position = ?').run(toBlob(s.mean), toBlob(s.m2), l));
      raw.exec('DELETE FROM layer_stat_chunks; DROP TABLE layer_stat_chunks; PRAGMA user_version = 140;');
    })();
    raw.close();

    const project = Project.open(path);
    const db = project.db;
    try {
      expect(project.info().schemaVersion).toBe(150);
      expect(chunkRows(db, 1, 0)).toBe(0);
      const asOld = [0, 1, 2, 3].map((l) => readLayerStats(db, 1, l)!);
      const units = [5, 0, 3, 3, 1];
      asOld.forEach((s, l) => {
        expect(bytes(s.mean).equals(bytes(original[l]!.mean))).toBe(true);
        expect(bytes(readUnitStats(db, 1, l, units)!.m2).equals(bytes(picked(original[l]!.m2, s.count.length, units)))).toBe(true);
      });
      expect(storedBytes(db).statistics).toBe(summedStatistics(db));
      expect(chunkFinalStats(db, 1)).toBe(4);
      expect(chunkRows(db, 1, 0)).toBeGreaterThan(0);
      original.forEach((s, l) => {
        const back = readLayerStats(db, 1, l)!;
        expect(bytes(back.mean).equals(bytes(s.mean))).toBe(true);
        expect(bytes(back.m2).equals(bytes(s.m2))).toBe(true);
        expect(bytes(readUnitStats(db, 1, l, units)!.mean).equals(bytes(picked(s.mean, s.count.length, units)))).toBe(true);
      });
      expect(storedBytes(db).statistics).toBe(summedStatistics(db));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      project.close();
    }
  });
});
