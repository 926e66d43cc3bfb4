// Per-unit results (m040-results), columnar: per (run, layer, category, column) little-endian typed arrays
// indexed by the flat unit index, cut into chunks of UNITS_PER_COLUMN_CHUNK units (one row each), plus
// row-major records sorted for the paged queries. Measured against one row per unit in docs/storage.md:
// smaller, and the unit queries the UI runs stay under 50 ms without secondary indexes that take minutes
// to build. Runs stored before m110 hold each column as one BLOB (no chunks); both are read.
import type { UnitResults } from '../pipeline-types.ts';
import { asDtype, dtypeBytes, fromBlob, toBlob, type Dtype, type TypedArrayOf } from './blobs.ts';
import type { Db, Statement } from './database.ts';
import { statement } from './statements.ts';

/**
 * The stored columns. Display metrics are float32 (activations are float32 to begin with); p and q stay
 * float64 because they reach 1e-300. `csi_order` is a precomputed index: unit indices sorted by CSI,
 * highest first, NaN last, so "top N by CSI" reads a prefix instead of sorting a layer. d' to the second
 * category and the mean pairwise t are computed by the analysis but not stored: nothing reads them per
 * unit (their layer metrics are in layer_results), and they cost 8 bytes per unit result.
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
] as const satisfies readonly { name: string; dtype: Dtype; field: keyof UnitResults }[];

export type UnitColumnName = (typeof UNIT_COLUMNS)[number]['name'] | 'csi_order';

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

function packRecords(results: UnitResults, order: ArrayLike<number>): Uint8Array {
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

export function writeUnitResults(db: Db, runId: number, position: number, results: UnitResults, csiOrder: Int32Array): void {
  const insert = statement<[number, number, string, string, Dtype, Buffer]>(db, 'INSERT INTO unit_columns (run_id, position, category, name, dtype, data) VALUES (?, ?, ?, ?, ?, ?)');
  for (const column of UNIT_COLUMNS) {
    writeColumnChunks(insert, runId, position, results.category, column.name, column.dtype, asDtype(results[column.field], column.dtype));
  }
  writeColumnChunks(insert, runId, position, results.category, 'csi_order', 'i32', csiOrder);
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

/**
 * Unit-order columns are cut into chunks of this many units (name@000042), for the same reason: a
 * channel's slice of a column reads one or two chunks (16-32 KB) instead of a whole 3-6 MB column BLOB
 * (measured in docs/storage.md). Fixed: stored runs' chunk boundaries depend on it.
 */
export const UNITS_PER_COLUMN_CHUNK = 4096;

function columnChunkName(name: UnitColumnName, chunk: number): string {
  return `${name}@${String(chunk).padStart(6, '0')}`;
}

function writeColumnChunks(insert: Statement<[number, number, string, string, Dtype, Buffer]>, runId: number, position: number, category: string, name: UnitColumnName, dtype: Dtype, values: ArrayBufferView): void {
  const bytes = UNITS_PER_COLUMN_CHUNK * dtypeBytes(dtype);
  const all = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const chunks = Math.max(1, Math.ceil(all.byteLength / bytes));
  for (let c = 0; c < chunks; c++) insert.run(runId, position, category, columnChunkName(name, c), dtype, toBlob(all.subarray(c * bytes, (c + 1) * bytes)));
}

function chunkName(name: RecordBlobName, chunk: number): string {
  return `${name}#${String(chunk).padStart(6, '0')}`;
}

function writeRecordChunks(insert: Statement<[number, number, string, string, Dtype, Buffer]>, runId: number, position: number, category: string, name: RecordBlobName, records: Uint8Array): void {
  const bytes = RECORDS_PER_CHUNK * RECORD_BYTES;
  const chunks = Math.max(1, Math.ceil(records.byteLength / bytes));
  for (let c = 0; c < chunks; c++) insert.run(runId, position, category, chunkName(name, c), 'u8', toBlob(records.subarray(c * bytes, (c + 1) * bytes)));
}

/** All records of a record BLOB, undecoded (callers pick the fields they sort on before decoding a page). */
export function readRecordBytes(db: Db, runId: number, position: number, category: string, name: RecordBlobName): Uint8Array | undefined {
  const rows = statement<[number, number, string, string, string], { data: Buffer }>(
    db,
    'SELECT data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name < ? ORDER BY name',
  ).all(runId, position, category, `${name}#`, `${name}$`);
  if (rows.length === 0) return undefined;
  return rows.length === 1 ? new Uint8Array(rows[0]!.data.buffer, rows[0]!.data.byteOffset, rows[0]!.data.byteLength) : Buffer.concat(rows.map((r) => r.data));
}

/** Records [first, first + count) of a record BLOB, and how many records it holds in all. */
export function readRecords(db: Db, runId: number, position: number, category: string, name: RecordBlobName, first: number, count: number): { total: number; records: UnitRecord[] } | undefined {
  const range = [runId, position, category, `${name}#`, `${name}$`] as const;
  const sizes = statement<[number, number, string, string, string], { chunks: number; bytes: number | null }>(
    db,
    'SELECT COUNT(*) AS chunks, SUM(length(data)) AS bytes FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name < ?',
  ).get(...range)!;
  if (sizes.chunks === 0) return undefined;
  const total = (sizes.bytes ?? 0) / RECORD_BYTES;
  const end = Math.min(total, first + count);
  if (end <= first) return { total, records: [] };
  const firstChunk = Math.floor(first / RECORDS_PER_CHUNK);
  const lastChunk = Math.floor((end - 1) / RECORDS_PER_CHUNK);
  const rows = statement<[number, number, string, string, string], { data: Buffer }>(
    db,
    'SELECT data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name <= ? ORDER BY name',
  ).all(runId, position, category, chunkName(name, firstChunk), chunkName(name, lastChunk));
  const bytes = Buffer.concat(rows.map((r) => r.data));
  const from = (first - firstChunk * RECORDS_PER_CHUNK) * RECORD_BYTES;
  return { total, records: unpackRecords(bytes.subarray(from, from + (end - first) * RECORD_BYTES)) };
}

/** A whole unit-order column (its chunks concatenated, or the one BLOB of a run stored before m110). */
export function readUnitColumn<D extends Dtype>(db: Db, runId: number, position: number, category: string, name: UnitColumnName, dtype: D): TypedArrayOf<D> | undefined {
  const rows = statement<[number, number, string, string, string, string], { dtype: Dtype; data: Buffer }>(
    db,
    // The single BLOB (name) sorts before its chunks (name@...): a run has one layout or the other.
    'SELECT dtype, data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND (name = ? OR (name >= ? AND name < ?)) ORDER BY name',
  ).all(runId, position, category, name, `${name}@`, `${name}A`);
  if (rows.length === 0) return undefined;
  if (rows[0]!.dtype !== dtype) throw new Error(`unit column ${name} is stored as ${rows[0]!.dtype}, expected ${dtype}`);
  return fromBlob(rows.length === 1 ? rows[0]!.data : Buffer.concat(rows.map((r) => r.data)), dtype);
}

/** A slice [start, start + count) of a column: the chunks that hold it, or substr() of a pre-m110 BLOB. */
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
  const size = dtypeBytes(dtype);
  if (count <= 0) return fromBlob(Buffer.alloc(0), dtype);
  const firstChunk = Math.floor(start / UNITS_PER_COLUMN_CHUNK);
  const lastChunk = Math.floor((start + count - 1) / UNITS_PER_COLUMN_CHUNK);
  const rows = statement<[number, number, string, string, string], { data: Buffer }>(
    db,
    'SELECT data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name <= ? ORDER BY name',
  ).all(runId, position, category, columnChunkName(name, firstChunk), columnChunkName(name, lastChunk));
  if (rows.length > 0) {
    const bytes = rows.length === 1 ? rows[0]!.data : Buffer.concat(rows.map((r) => r.data));
    const from = (start - firstChunk * UNITS_PER_COLUMN_CHUNK) * size;
    return fromBlob(bytes.subarray(from, from + count * size), dtype);
  }
  const row = statement<[number, number, number, number, string, string], { data: Buffer }>(
    db,
    'SELECT substr(data, ?, ?) AS data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name = ?',
  ).get(start * size + 1, count * size, runId, position, category, name);
  return row ? fromBlob(row.data, dtype) : undefined;
}

export function unitResultBytes(db: Db, runId?: number): { bytes: number; columns: number } {
  const sql = 'SELECT COALESCE(SUM(length(data)), 0) AS bytes, COUNT(*) AS columns FROM unit_columns';
  return runId === undefined
    ? statement<[], { bytes: number; columns: number }>(db, sql).get()!
    : statement<[number], { bytes: number; columns: number }>(db, `${sql} WHERE run_id = ?`).get(runId)!;
}

/** Removes a run's unit results (before an analysis is written again). */
export function deleteUnitResults(db: Db, runId: number): void {
  statement(db, 'DELETE FROM unit_columns WHERE run_id = ?').run(runId);
}
