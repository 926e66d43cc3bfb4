// What a run stores besides its runs row: frozen layers/categories/images, sufficient statistics,
// checkpoints, columnar unit results and chart aggregates. Typed arrays go in and out as little-endian
// BLOBs (every platform Node ships on is little-endian; checked once below so a big-endian build fails
// loudly instead of reading garbage).
import { endianness } from 'node:os';
import type { CategoryDef, LayerStats, TapShape, UnitResults } from '../pipeline-types.ts';
import type { Db, Statement } from './database.ts';
import { TAP_COLUMNS, tapOfRow, type StoredTap } from './tap-rows.ts';

if (endianness() !== 'LE') throw new Error('Unitscope stores little-endian arrays and needs a little-endian CPU');

export type Dtype = 'u8' | 'i32' | 'f32' | 'f64';
type TypedArrayOf<D extends Dtype> = D extends 'u8' ? Uint8Array : D extends 'i32' ? Int32Array : D extends 'f32' ? Float32Array : Float64Array;

export function toBlob(array: ArrayBufferView): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * A typed view of a BLOB. better-sqlite3 gives large BLOBs their own ArrayBuffer (offset 0), so the view
 * costs nothing; a BLOB at an unaligned offset of a shared pool is copied into an aligned array.
 */
export function fromBlob<D extends Dtype>(blob: Buffer, dtype: D): TypedArrayOf<D> {
  const size = dtype === 'u8' ? 1 : dtype === 'f64' ? 8 : 4;
  let buffer: ArrayBufferLike = blob.buffer;
  let offset = blob.byteOffset;
  if (offset % size !== 0) {
    const copy = new ArrayBuffer(blob.byteLength);
    new Uint8Array(copy).set(blob);
    buffer = copy;
    offset = 0;
  }
  const length = blob.byteLength / size;
  switch (dtype) {
    case 'u8':
      return new Uint8Array(buffer, offset, length) as TypedArrayOf<D>;
    case 'i32':
      return new Int32Array(buffer, offset, length) as TypedArrayOf<D>;
    case 'f32':
      return new Float32Array(buffer, offset, length) as TypedArrayOf<D>;
    default:
      return new Float64Array(buffer, offset, length) as TypedArrayOf<D>;
  }
}

// ---- frozen run inputs -------------------------------------------------------------------------

export function insertRunLayers(db: Db, runId: number, taps: readonly TapShape[]): void {
  const insert = db.prepare('INSERT INTO run_layers (run_id, position, name, tensor, channels, height, width, layout, extra_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  taps.forEach((t, i) => insert.run(runId, i, t.name, t.tensor, t.channels, t.height, t.width, t.layout ?? 'chw', t.extraTokens ?? 0));
}

export function readRunLayers(db: Db, runId: number): TapShape[] {
  return (db.prepare(`SELECT ${TAP_COLUMNS} FROM run_layers WHERE run_id = ? ORDER BY position`).all(runId) as StoredTap[]).map(tapOfRow);
}

export function insertRunCategories(db: Db, runId: number, categories: readonly (CategoryDef & { images: number })[]): void {
  const insert = db.prepare('INSERT INTO run_categories (run_id, position, name, role, controls_for, images) VALUES (?, ?, ?, ?, ?, ?)');
  categories.forEach((c, i) => insert.run(runId, i, c.name, c.role, c.controlsFor, c.images));
}

export function readRunCategories(db: Db, runId: number): (CategoryDef & { images: number })[] {
  return db
    .prepare('SELECT name, role, controls_for AS controlsFor, images FROM run_categories WHERE run_id = ? ORDER BY position')
    .all(runId) as (CategoryDef & { images: number })[];
}

export interface RunImage {
  imageId: number;
  category: number;
  sha256: string;
}

export function insertRunImages(db: Db, runId: number, images: readonly RunImage[]): void {
  const insert = db.prepare('INSERT INTO run_images (run_id, position, image_id, category, sha256) VALUES (?, ?, ?, ?, ?)');
  images.forEach((img, i) => insert.run(runId, i, img.imageId, img.category, img.sha256));
}

export function readRunImages(db: Db, runId: number): RunImage[] {
  return db
    .prepare('SELECT image_id AS imageId, category, sha256 FROM run_images WHERE run_id = ? ORDER BY position')
    .all(runId) as RunImage[];
}

// ---- sufficient statistics and checkpoints -------------------------------------------------------

export function writeLayerStats(db: Db, runId: number, position: number, stats: LayerStats, state: 'partial' | 'final', extra?: Uint8Array): void {
  db.prepare(
    `INSERT INTO layer_stats (run_id, position, state, count, mean, m2, extra) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(run_id, position) DO UPDATE SET state = excluded.state, count = excluded.count, mean = excluded.mean,
       m2 = excluded.m2, extra = excluded.extra`,
  ).run(runId, position, state, toBlob(stats.count), toBlob(stats.mean), toBlob(stats.m2), extra ? toBlob(extra) : null);
}

export interface StoredLayerStats {
  state: 'partial' | 'final';
  count: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
  extra: Uint8Array | null;
}

export function readLayerStats(db: Db, runId: number, position: number): StoredLayerStats | undefined {
  const row = db.prepare('SELECT state, count, mean, m2, extra FROM layer_stats WHERE run_id = ? AND position = ?').get(runId, position) as
    | { state: 'partial' | 'final'; count: Buffer; mean: Buffer; m2: Buffer; extra: Buffer | null }
    | undefined;
  if (!row) return undefined;
  return {
    state: row.state,
    count: fromBlob(row.count, 'f64'),
    mean: fromBlob(row.mean, 'f64'),
    m2: fromBlob(row.m2, 'f64'),
    extra: row.extra ? fromBlob(row.extra, 'u8') : null,
  };
}

export function countFinalStats(db: Db, runId: number): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM layer_stats WHERE run_id = ? AND state = 'final'").get(runId) as { n: number }).n;
}

export function writeCheckpoint(db: Db, runId: number, imagesDone: number, state: Uint8Array | null): void {
  db.prepare(
    `INSERT INTO run_checkpoints (run_id, images_done, state, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(run_id) DO UPDATE SET images_done = excluded.images_done, state = excluded.state, updated_at = excluded.updated_at`,
  ).run(runId, imagesDone, state ? toBlob(state) : null, new Date().toISOString());
}

export function readCheckpoint(db: Db, runId: number): { imagesDone: number; state: Uint8Array | null } | undefined {
  const row = db.prepare('SELECT images_done AS imagesDone, state FROM run_checkpoints WHERE run_id = ?').get(runId) as
    | { imagesDone: number; state: Buffer | null }
    | undefined;
  return row ? { imagesDone: row.imagesDone, state: row.state ? fromBlob(row.state, 'u8') : null } : undefined;
}

export function deleteCheckpoint(db: Db, runId: number): void {
  db.prepare('DELETE FROM run_checkpoints WHERE run_id = ?').run(runId);
}

// ---- unit results ---------------------------------------------------------------------------------

/**
 * The stored columns. Display metrics are float32 (activations are float32 to begin with); p and q stay
 * float64 because they reach 1e-300. `csi_order` is a precomputed index: unit indices sorted by CSI,
 * highest first, NaN last, so "top N by CSI" reads a prefix instead of sorting a layer.
 */
export const UNIT_COLUMNS = [
  { name: 'selective', dtype: 'u8', field: 'selective' },
  { name: 'csi', dtype: 'f32', field: 'csi' },
  { name: 't_min', dtype: 'f32', field: 'tMin' },
  { name: 'p_max', dtype: 'f64', field: 'pMax' },
  { name: 'q_max', dtype: 'f64', field: 'qMax' },
  { name: 'mean_target', dtype: 'f32', field: 'meanTarget' },
  { name: 'mean_others', dtype: 'f32', field: 'meanOthers' },
  { name: 'dprime', dtype: 'f32', field: 'dprime' },
  { name: 'dprime_second', dtype: 'f32', field: 'dprimeSecond' },
  { name: 'mean_pair_t', dtype: 'f32', field: 'meanPairT' },
] as const satisfies readonly { name: string; dtype: Dtype; field: keyof UnitResults }[];

export type UnitColumnName = (typeof UNIT_COLUMNS)[number]['name'] | 'csi_order' | RecordBlobName;

/**
 * Row-major unit records for the paged queries, in CSI order (all units, and the selective units only),
 * so a page is one substr() of consecutive records instead of a read of every column of the layer
 * (measured in docs/storage.md). Layout, little-endian, 44 bytes: unit i32 @0, selective u8 @4,
 * csi f32 @8, t_min f32 @12, p_max f64 @16, q_max f64 @24, mean_target f32 @32, mean_others f32 @36,
 * dprime f32 @40.
 */
export const RECORD_BYTES = 44;
export type RecordBlobName = 'csi_sorted' | 'selective_sorted' | 'selective_by_t';

export interface UnitRecord {
  unit: number;
  selective: boolean;
  csi: number;
  tMin: number;
  pMax: number;
  qMax: number;
  meanTarget: number;
  meanOthers: number;
  dprime: number;
}

export function packRecords(results: UnitResults, order: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(order.length * RECORD_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < order.length; i++) {
    const u = order[i]!;
    const o = i * RECORD_BYTES;
    view.setInt32(o, u, true);
    view.setUint8(o + 4, results.selective[u]!);
    view.setFloat32(o + 8, results.csi[u]!, true);
    view.setFloat32(o + 12, results.tMin[u]!, true);
    view.setFloat64(o + 16, results.pMax[u]!, true);
    view.setFloat64(o + 24, results.qMax[u]!, true);
    view.setFloat32(o + 32, results.meanTarget[u]!, true);
    view.setFloat32(o + 36, results.meanOthers[u]!, true);
    view.setFloat32(o + 40, results.dprime[u]!, true);
  }
  return out;
}

export function unpackRecords(bytes: Uint8Array): UnitRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: UnitRecord[] = [];
  for (let o = 0; o + RECORD_BYTES <= bytes.byteLength; o += RECORD_BYTES) {
    out.push({
      unit: view.getInt32(o, true),
      selective: view.getUint8(o + 4) === 1,
      csi: view.getFloat32(o + 8, true),
      tMin: view.getFloat32(o + 12, true),
      pMax: view.getFloat64(o + 16, true),
      qMax: view.getFloat64(o + 24, true),
      meanTarget: view.getFloat32(o + 32, true),
      meanOthers: view.getFloat32(o + 36, true),
      dprime: view.getFloat32(o + 40, true),
    });
  }
  return out;
}

function convert(values: ArrayLike<number>, dtype: Dtype): ArrayBufferView {
  switch (dtype) {
    case 'u8':
      return values instanceof Uint8Array ? values : Uint8Array.from(values);
    case 'i32':
      return values instanceof Int32Array ? values : Int32Array.from(values);
    case 'f32':
      return values instanceof Float32Array ? values : Float32Array.from(values);
    default:
      return values instanceof Float64Array ? values : Float64Array.from(values);
  }
}

export function writeUnitResults(db: Db, runId: number, position: number, results: UnitResults, csiOrder: Int32Array): void {
  const insert = db.prepare('INSERT INTO unit_columns (run_id, position, category, name, dtype, data) VALUES (?, ?, ?, ?, ?, ?)');
  for (const column of UNIT_COLUMNS) {
    insert.run(runId, position, results.category, column.name, column.dtype, toBlob(convert(results[column.field], column.dtype)));
  }
  insert.run(runId, position, results.category, 'csi_order', 'i32', toBlob(csiOrder));
  writeRecordChunks(insert, runId, position, results.category, 'csi_sorted', packRecords(results, csiOrder));
  writeRecordChunks(insert, runId, position, results.category, 'selective_sorted', packRecords(results, csiOrder.filter((u) => results.selective[u] === 1)));
  writeRecordChunks(insert, runId, position, results.category, 'selective_by_t', packRecords(results, selectiveByT(results)));
}

/** Selective units by t (as stored, float32) descending, NaN last, ties by unit index. */
function selectiveByT(results: UnitResults): Int32Array {
  const units: number[] = [];
  for (let u = 0; u < results.selective.length; u++) if (results.selective[u] === 1) units.push(u);
  // Sort (t, unit) pairs: t as float32 like the stored column; a comparator sort is fine here because
  // selective units are a fraction of a layer.
  const t = Float32Array.from(units, (u) => results.tMin[u]!);
  const order = units.map((_, i) => i);
  const key = (i: number) => (Number.isNaN(t[i]!) ? -Infinity : t[i]!);
  order.sort((a, b) => key(b) - key(a) || units[a]! - units[b]!);
  return Int32Array.from(order, (i) => units[i]!);
}

/**
 * Record BLOBs are cut into chunks of RECORDS_PER_CHUNK records, one row each (name#000042): SQLite
 * reads a BLOB's whole overflow chain even for substr(), so a page must come from a small BLOB (a
 * 35 MB record BLOB took 320 ms per page read from disk, a 45 KB chunk about 1 ms).
 */
export const RECORDS_PER_CHUNK = 1024;

function chunkName(name: RecordBlobName, chunk: number): string {
  return `${name}#${String(chunk).padStart(6, '0')}`;
}

function writeRecordChunks(insert: Statement, runId: number, position: number, category: string, name: RecordBlobName, records: Uint8Array): void {
  const bytes = RECORDS_PER_CHUNK * RECORD_BYTES;
  const chunks = Math.max(1, Math.ceil(records.byteLength / bytes));
  for (let c = 0; c < chunks; c++) insert.run(runId, position, category, chunkName(name, c), 'u8', toBlob(records.subarray(c * bytes, (c + 1) * bytes)));
}



/** All records of a record BLOB, undecoded (callers pick the fields they sort on before decoding a page). */
export function readRecordBytes(db: Db, runId: number, position: number, category: string, name: RecordBlobName): Uint8Array | undefined {
  const rows = db
    .prepare('SELECT data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name < ? ORDER BY name')
    .all(runId, position, category, `${name}#`, `${name}$`) as { data: Buffer }[];
  if (rows.length === 0) return undefined;
  return rows.length === 1 ? new Uint8Array(rows[0]!.data.buffer, rows[0]!.data.byteOffset, rows[0]!.data.byteLength) : Buffer.concat(rows.map((r) => r.data));
}

/** Records [first, first + count) of a record BLOB, and how many records it holds in all. */
export function readRecords(db: Db, runId: number, position: number, category: string, name: RecordBlobName, first: number, count: number): { total: number; records: UnitRecord[] } | undefined {
  const range = [runId, position, category, `${name}#`, `${name}$`] as const;
  const sizes = db
    .prepare('SELECT COUNT(*) AS chunks, SUM(length(data)) AS bytes FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name < ?')
    .get(...range) as { chunks: number; bytes: number | null };
  if (sizes.chunks === 0) return undefined;
  const total = (sizes.bytes ?? 0) / RECORD_BYTES;
  const end = Math.min(total, first + count);
  if (end <= first) return { total, records: [] };
  const firstChunk = Math.floor(first / RECORDS_PER_CHUNK);
  const lastChunk = Math.floor((end - 1) / RECORDS_PER_CHUNK);
  const rows = db
    .prepare('SELECT data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name <= ? ORDER BY name')
    .all(runId, position, category, chunkName(name, firstChunk), chunkName(name, lastChunk)) as { data: Buffer }[];
  const bytes = Buffer.concat(rows.map((r) => r.data));
  const from = (first - firstChunk * RECORDS_PER_CHUNK) * RECORD_BYTES;
  return { total, records: unpackRecords(bytes.subarray(from, from + (end - first) * RECORD_BYTES)) };
}

export function readUnitColumn<D extends Dtype>(db: Db, runId: number, position: number, category: string, name: UnitColumnName, dtype: D): TypedArrayOf<D> | undefined {
  const row = db
    .prepare('SELECT dtype, data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name = ?')
    .get(runId, position, category, name) as { dtype: Dtype; data: Buffer } | undefined;
  if (!row) return undefined;
  if (row.dtype !== dtype) throw new Error(`unit column ${name} is stored as ${row.dtype}, expected ${dtype}`);
  return fromBlob(row.data, dtype);
}

/** A slice [start, start + count) of a column, read with substr() so only those bytes are copied out. */
export function readUnitColumnSlice<D extends Dtype>(
  db: Db,
  runId: number,
  position: number,
  category: string,
  name: UnitColumnName,
  dtype: D,
  start: number,
  count: number,
): TypedArrayOf<D> | undefined {
  const size = dtype === 'u8' ? 1 : dtype === 'f64' ? 8 : 4;
  const row = db
    .prepare('SELECT substr(data, ?, ?) AS data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name = ?')
    .get(start * size + 1, count * size, runId, position, category, name) as { data: Buffer } | undefined;
  return row ? fromBlob(row.data, dtype) : undefined;
}

export function unitResultBytes(db: Db, runId?: number): { bytes: number; columns: number } {
  const row = (
    runId === undefined
      ? db.prepare('SELECT COALESCE(SUM(length(data)), 0) AS bytes, COUNT(*) AS columns FROM unit_columns').get()
      : db.prepare('SELECT COALESCE(SUM(length(data)), 0) AS bytes, COUNT(*) AS columns FROM unit_columns WHERE run_id = ?').get(runId)
  ) as { bytes: number; columns: number };
  return row;
}

// ---- layer rows and aggregates ----------------------------------------------------------------------

export interface LayerResultRow {
  position: number;
  category: string;
  units: number;
  selective: number;
  metrics: Record<string, number | null>;
}

export function writeLayerResult(db: Db, runId: number, row: LayerResultRow): void {
  db.prepare('INSERT INTO layer_results (run_id, position, category, units, selective, metrics) VALUES (?, ?, ?, ?, ?, ?)').run(
    runId,
    row.position,
    row.category,
    row.units,
    row.selective,
    JSON.stringify(row.metrics, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  );
}

export function readLayerResults(db: Db, runId: number): LayerResultRow[] {
  const rows = db
    .prepare('SELECT position, category, units, selective, metrics FROM layer_results WHERE run_id = ? ORDER BY position, rowid')
    .all(runId) as (Omit<LayerResultRow, 'metrics'> & { metrics: string })[];
  return rows.map((r) => ({ ...r, metrics: JSON.parse(r.metrics) as Record<string, number | null> }));
}

export function writeAggregate(db: Db, runId: number, kind: string, position: number, category: string, data: unknown): void {
  db.prepare(
    `INSERT INTO run_aggregates (run_id, position, category, kind, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(run_id, kind, position, category) DO UPDATE SET data = excluded.data`,
  ).run(runId, position, category, kind, JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

export function readAggregate<T>(db: Db, runId: number, kind: string, position: number, category: string): T | undefined {
  const row = db
    .prepare('SELECT data FROM run_aggregates WHERE run_id = ? AND kind = ? AND position = ? AND category = ?')
    .get(runId, kind, position, category) as { data: string } | undefined;
  return row ? (JSON.parse(row.data) as T) : undefined;
}

export function readAggregates<T>(db: Db, runId: number, kind: string, category: string): { position: number; data: T }[] {
  const rows = db
    .prepare('SELECT position, data FROM run_aggregates WHERE run_id = ? AND kind = ? AND category = ? ORDER BY position')
    .all(runId, kind, category) as { position: number; data: string }[];
  return rows.map((r) => ({ position: r.position, data: JSON.parse(r.data) as T }));
}

/** Removes everything an analysis wrote for a run (before re-writing it on resume). */
export function deleteAnalysis(db: Db, runId: number): void {
  db.prepare('DELETE FROM unit_columns WHERE run_id = ?').run(runId);
  db.prepare('DELETE FROM layer_results WHERE run_id = ?').run(runId);
  db.prepare('DELETE FROM run_aggregates WHERE run_id = ?').run(runId);
}

/** Whether a layer's analysis is stored (it is written in one transaction, so present means complete). */
export function hasLayerAnalysis(db: Db, runId: number, position: number): boolean {
  return db.prepare("SELECT 1 FROM run_aggregates WHERE run_id = ? AND kind = 'overlap' AND position = ?").get(runId, position) !== undefined;
}

/** Bytes held by each kind of run data, for `project info` (kept by triggers, see m070). */
export function storedBytes(db: Db): { unitResults: number; statistics: number; aggregates: number; thumbnails: number } {
  const rows = db.prepare('SELECT kind, bytes FROM storage_totals').all() as { kind: string; bytes: number }[];
  const total = (kind: string) => rows.find((r) => r.kind === kind)?.bytes ?? 0;
  return { unitResults: total('unitResults'), statistics: total('statistics'), aggregates: total('aggregates'), thumbnails: total('thumbnails') };
}

/** Phase timings per run, from the manifests. */
export function runTimings(db: Db): Record<number, { extractionSeconds: number | null; analysisSeconds: number | null; totalSeconds: number | null; imagesPerSecond: number | null }> {
  const rows = db.prepare("SELECT id, json_extract(manifest, '$.timings') AS t FROM runs WHERE manifest IS NOT NULL").all() as { id: number; t: string | null }[];
  const out: Record<number, { extractionSeconds: number | null; analysisSeconds: number | null; totalSeconds: number | null; imagesPerSecond: number | null }> = {};
  for (const r of rows) {
    if (!r.t) continue;
    const t = JSON.parse(r.t) as Record<string, number | null>;
    out[r.id] = { extractionSeconds: t.extractionSeconds ?? null, analysisSeconds: t.analysisSeconds ?? null, totalSeconds: t.totalSeconds ?? null, imagesPerSecond: t.imagesPerSecond ?? null };
  }
  return out;
}
