// Sufficient statistics and extraction checkpoints (m040-results, m150-stat-chunks): float64 values,
// count K and mean/m2 K x units, returned category-major (element k * units + u) whatever the layout.
// 'partial' rows are checkpoints of an unfinished extraction, written in the same transaction as the
// checkpoint row so the two always agree; 'final' rows feed the analysis.
//
// Two layouts, the values byte-identical in both (float64 is the precision contract):
// - Whole: mean and m2 as two category-major BLOBs in layer_stats. Partial rows (rewritten whole at every
//   checkpoint, read whole on resume) and final rows written before m150 keep it.
// - Chunked (final rows since m150): layer_stats keeps count, holds sealed empty mean and m2, and its
//   `extra` holds the unit count (a one-element float64 BLOB, so a lost last chunk is found); the values
//   are in layer_stat_chunks, unit-major in ~4 KB chunks. A page of units scattered over a layer (unit
//   results derive mean, CSI, t and d' on read) then reads only the chunks its units fall in, where
//   SQLite reads a 64 MB BLOB whole even for substr() (ResNet-50's stem: 802,816 units x 6 categories).
//   Chunk c holds units [c * S, min((c + 1) * S, units)), S = statChunkUnits(K): all K mean blocks, then
//   all K m2 blocks, each block those units in order (category-major inside the chunk), sealed by toBlob.
import type { LayerStats } from '../pipeline-types.ts';
import { BLOB_TRAILER_BYTES, blobData, describeBlob, fromBlob, toBlob, typedView, type BlobSource } from './blobs.ts';
import { damagedProject } from './damage.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';

type StatsState = 'partial' | 'final';
/** What is stored of a layer's statistics (its tap is in run_layers). */
type StatsArrays = Pick<LayerStats, 'count' | 'mean' | 'm2'>;

const CHUNKS = 'layer_stat_chunks';

/**
 * Units per chunk of a layer with K >= 1 categories: one chunk (16 K bytes per unit) plus the 8-byte
 * checksum trailer fits a 4 KB SQLite page. Stored runs' chunk boundaries depend on it: never change it.
 */
export function statChunkUnits(K: number): number {
  return Math.max(1, Math.floor(3968 / (16 * K)));
}

interface StatsRow {
  state: StatsState;
  count: Buffer;
  mean: Buffer;
  m2: Buffer;
  extra: Buffer | null;
}

/** A layer's row, its count verified, and where its values are. */
interface LayerRow {
  state: StatsState;
  count: Float64Array;
  /** Set for the chunked layout: the layer's unit count. */
  chunkedUnits: number | undefined;
  row: StatsRow;
}

function readRow(db: Db, runId: number, position: number): LayerRow | undefined {
  const row = statement<[number, number], StatsRow>(db, 'SELECT state, count, mean, m2, extra FROM layer_stats WHERE run_id = ? AND position = ?').get(runId, position);
  if (!row) return undefined;
  const count = fromBlob(row.count, 'f64', rowSource(db, runId, position, 'count'));
  const extra = row.extra === null ? undefined : fromBlob(row.extra, 'f64', rowSource(db, runId, position, 'extra'));
  return { state: row.state, count, chunkedUnits: extra?.[0], row };
}

function rowSource(db: Db, runId: number, position: number, what: string): BlobSource {
  return { db, table: 'layer_stats', what, runId, position };
}

function chunkSource(db: Db, runId: number, position: number, chunk: number): BlobSource {
  return { db, table: CHUNKS, what: `chunk ${chunk}`, runId, position };
}

/** The refusal of a chunk set that is not what the row says it holds (a chunk lost or of the wrong size). */
function damagedChunks(db: Db, runId: number, position: number, chunk: number, problem: string): Error {
  return damagedProject(db.name, `the stored data of ${describeBlob(chunkSource(db, runId, position, chunk))} ${problem}`, CHUNKS);
}

/** Chunk c of a chunked layer of `units` units: its verified values (2 K n float64, n its unit count). */
function chunkValues(db: Db, runId: number, position: number, K: number, units: number, chunk: number, data: Buffer): Float64Array {
  const S = statChunkUnits(K);
  const n = Math.min(S, units - chunk * S);
  if (n <= 0) throw damagedChunks(db, runId, position, chunk, `is beyond the layer's ${units} units`);
  if (data.byteLength !== 16 * K * n + BLOB_TRAILER_BYTES) throw damagedChunks(db, runId, position, chunk, `has ${data.byteLength} bytes, not ${16 * K * n + BLOB_TRAILER_BYTES}`);
  return typedView(blobData(data, chunkSource(db, runId, position, chunk)), 'f64');
}

function chunkCount(K: number, units: number): number {
  return Math.ceil(units / statChunkUnits(K));
}

/**
 * Every chunk of a chunked layer in order, verified, with the first unit it holds: throws naming the
 * chunk when one is damaged, missing or of the wrong size. Iterates (not cached: statements.ts).
 */
function* layerChunks(db: Db, runId: number, position: number, K: number, units: number): Generator<{ first: number; values: Float64Array }> {
  const S = statChunkUnits(K);
  const expected = chunkCount(K, units);
  const rows = db.prepare<[number, number], { chunk: number; data: Buffer }>(`SELECT chunk, data FROM ${CHUNKS} WHERE run_id = ? AND position = ? ORDER BY chunk`).iterate(runId, position);
  let next = 0;
  for (const { chunk, data } of rows) {
    if (chunk !== next) throw damagedChunks(db, runId, position, next < expected ? next : chunk, next < expected ? 'is missing' : `is beyond the layer's ${units} units`);
    yield { first: chunk * S, values: chunkValues(db, runId, position, K, units, chunk, data) };
    next++;
  }
  if (next < expected) throw damagedChunks(db, runId, position, next, 'is missing');
}

function writeChunks(db: Db, runId: number, position: number, stats: StatsArrays): void {
  const K = stats.count.length;
  const units = stats.mean.length / K;
  const S = statChunkUnits(K);
  const scratch = new Float64Array(2 * K * S);
  const insert = statement(db, `INSERT INTO ${CHUNKS} (run_id, position, chunk, data) VALUES (?, ?, ?, ?)`);
  for (let c = 0, first = 0; first < units; c++, first += S) {
    const n = Math.min(S, units - first);
    for (let k = 0; k < K; k++) {
      scratch.set(stats.mean.subarray(k * units + first, k * units + first + n), k * n);
      scratch.set(stats.m2.subarray(k * units + first, k * units + first + n), (K + k) * n);
    }
    insert.run(runId, position, c, toBlob(scratch.subarray(0, 2 * K * n)));
  }
}

/**
 * Stores a layer's statistics. Partial rows keep the whole layout (a checkpoint is written often and read
 * whole); final rows of a layer with units and categories are chunked. Either replaces what was stored.
 */
export function writeLayerStats(db: Db, runId: number, position: number, stats: LayerStats, state: StatsState): void {
  storeLayerStats(db, runId, position, stats, state);
}

function storeLayerStats(db: Db, runId: number, position: number, stats: StatsArrays, state: StatsState): void {
  const K = stats.count.length;
  if (stats.mean.length !== stats.m2.length || (K > 0 && stats.mean.length % K !== 0) || (K === 0 && stats.mean.length > 0)) {
    throw new Error(`layer statistics of ${stats.mean.length} means and ${stats.m2.length} m2 for ${K} categories`);
  }
  const chunked = state === 'final' && stats.mean.length > 0;
  const empty = toBlob(new Float64Array(0));
  db.transaction(() => {
    statement(db, `DELETE FROM ${CHUNKS} WHERE run_id = ? AND position = ?`).run(runId, position);
    statement(
      db,
      `INSERT INTO layer_stats (run_id, position, state, count, mean, m2, extra) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(run_id, position) DO UPDATE SET state = excluded.state, count = excluded.count, mean = excluded.mean,
         m2 = excluded.m2, extra = excluded.extra`,
    ).run(
      runId,
      position,
      state,
      toBlob(stats.count),
      chunked ? empty : toBlob(stats.mean),
      chunked ? empty : toBlob(stats.m2),
      chunked ? toBlob(Float64Array.of(stats.mean.length / K)) : null,
    );
    if (chunked) writeChunks(db, runId, position, stats);
  })();
}

export interface StoredLayerStats {
  state: StatsState;
  count: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

/** A layer's statistics, category-major, from either layout (verified; throws naming what is damaged). */
export function readLayerStats(db: Db, runId: number, position: number): StoredLayerStats | undefined {
  const layer = readRow(db, runId, position);
  if (!layer) return undefined;
  const { state, count, chunkedUnits: units } = layer;
  if (units === undefined) {
    return { state, count, mean: fromBlob(layer.row.mean, 'f64', rowSource(db, runId, position, 'mean')), m2: fromBlob(layer.row.m2, 'f64', rowSource(db, runId, position, 'm2')) };
  }
  const K = count.length;
  const mean = new Float64Array(K * units);
  const m2 = new Float64Array(K * units);
  for (const { first, values } of layerChunks(db, runId, position, K, units)) {
    const n = values.length / (2 * K);
    for (let k = 0; k < K; k++) {
      mean.set(values.subarray(k * n, (k + 1) * n), k * units + first);
      m2.set(values.subarray((K + k) * n, (K + k + 1) * n), k * units + first);
    }
  }
  return { state, count, mean, m2 };
}

/**
 * The statistics of just `units` of a layer (any order, repeats allowed), category-major over them:
 * mean[k * n + i] is unit units[i]'s mean in category k. A chunked layer reads only the chunks they fall
 * in, by one statement (a JSON list of them: one prepared lookup per chunk costs several times more).
 */
export function readUnitStats(db: Db, runId: number, position: number, units: ArrayLike<number>): StoredLayerStats | undefined {
  const layer = readRow(db, runId, position);
  if (!layer) return undefined;
  const { state, count } = layer;
  const K = count.length;
  const n = units.length;
  const mean = new Float64Array(K * n);
  const m2 = new Float64Array(K * n);
  const total = layer.chunkedUnits ?? (K === 0 ? 0 : (layer.row.mean.byteLength - BLOB_TRAILER_BYTES) / 8 / K);
  for (let i = 0; i < n; i++) {
    const u = units[i]!;
    if (!Number.isInteger(u) || u < 0 || u >= total) throw new RangeError(`unit ${u} is not in layer ${position} of run #${runId} (${total} units)`);
  }
  if (layer.chunkedUnits === undefined) {
    const all = { mean: fromBlob(layer.row.mean, 'f64', rowSource(db, runId, position, 'mean')), m2: fromBlob(layer.row.m2, 'f64', rowSource(db, runId, position, 'm2')) };
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        mean[k * n + i] = all.mean[k * total + units[i]!]!;
        m2[k * n + i] = all.m2[k * total + units[i]!]!;
      }
    }
    return { state, count, mean, m2 };
  }
  const S = statChunkUnits(K);
  const wanted = new Set<number>();
  for (let i = 0; i < n; i++) wanted.add(Math.floor(units[i]! / S));
  if (wanted.size === 0) return { state, count, mean, m2 };
  const rows = statement<[number, number, string], { chunk: number; data: Buffer }>(
    db,
    `SELECT chunk, data FROM ${CHUNKS} WHERE run_id = ? AND position = ? AND chunk IN (SELECT value FROM json_each(?))`,
  ).all(runId, position, JSON.stringify(Array.from(wanted)));
  const chunks = new Map<number, Float64Array>();
  for (const { chunk, data } of rows) chunks.set(chunk, chunkValues(db, runId, position, K, total, chunk, data));
  for (let i = 0; i < n; i++) {
    const u = units[i]!;
    const c = Math.floor(u / S);
    const values = chunks.get(c);
    if (!values) throw damagedChunks(db, runId, position, c, 'is missing');
    const size = values.length / (2 * K);
    const at = u - c * S;
    for (let k = 0; k < K; k++) {
      mean[k * n + i] = values[k * size + at]!;
      m2[k * n + i] = values[(K + k) * size + at]!;
    }
  }
  return { state, count, mean, m2 };
}

/** Verifies the checksums of every layer's statistics of a run (throws naming the damaged one). */
export function verifyLayerStats(db: Db, runId: number): void {
  const positions = statement<[number], { position: number }>(db, 'SELECT position FROM layer_stats WHERE run_id = ? ORDER BY position').all(runId);
  for (const { position } of positions) {
    const layer = readRow(db, runId, position)!;
    fromBlob(layer.row.mean, 'f64', rowSource(db, runId, position, 'mean'));
    fromBlob(layer.row.m2, 'f64', rowSource(db, runId, position, 'm2'));
    if (layer.chunkedUnits !== undefined) Array.from(layerChunks(db, runId, position, layer.count.length, layer.chunkedUnits), () => null);
  }
}

/**
 * Rewrites a run's final rows stored whole (by a version before m150) in the chunked layout, the values
 * unchanged, one layer per transaction. Returns how many layers it rewrote (0 when none is left).
 */
export function chunkFinalStats(db: Db, runId: number): number {
  const positions = statement<[number, number], { position: number }>(
    db,
    "SELECT position FROM layer_stats WHERE run_id = ? AND state = 'final' AND extra IS NULL AND length(mean) > ? ORDER BY position",
  ).all(runId, BLOB_TRAILER_BYTES);
  for (const { position } of positions) {
    db.transaction(() => {
      storeLayerStats(db, runId, position, readLayerStats(db, runId, position)!, 'final');
    })();
  }
  return positions.length;
}

export function countFinalStats(db: Db, runId: number): number {
  return statement<[number], { n: number }>(db, "SELECT COUNT(*) AS n FROM layer_stats WHERE run_id = ? AND state = 'final'").get(runId)!.n;
}

/** Records that the partial statistics cover `doneImageIds` (call in the transaction that writes them). */
export function writeCheckpoint(db: Db, runId: number, doneImageIds: readonly number[]): void {
  statement(
    db,
    `INSERT INTO run_checkpoints (run_id, images_done, state, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(run_id) DO UPDATE SET images_done = excluded.images_done, state = excluded.state, updated_at = excluded.updated_at`,
  ).run(runId, doneImageIds.length, toBlob(Int32Array.from(doneImageIds)), new Date().toISOString());
}

/** The images the partial statistics of a run cover (ids, as extracted), if it has a checkpoint. */
export function readCheckpoint(db: Db, runId: number): { doneImageIds: number[] } | undefined {
  const row = statement<[number], { state: Buffer | null }>(db, 'SELECT state FROM run_checkpoints WHERE run_id = ?').get(runId);
  return row ? { doneImageIds: row.state ? Array.from(fromBlob(row.state, 'i32', { db, table: 'run_checkpoints', what: 'state', runId })) : [] } : undefined;
}

export function deleteCheckpoint(db: Db, runId: number): void {
  statement(db, 'DELETE FROM run_checkpoints WHERE run_id = ?').run(runId);
}
