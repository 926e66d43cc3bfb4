// Per-unit results: per (run, layer, category) the units' records in unit order, in chunks (one row
// each), and three orders as int32 unit lists in chunks of UNITS_PER_ORDER_CHUNK: all units by CSI, the
// selective units by CSI and by t. A page in unit order (a channel's units) reads consecutive record
// chunks; a page in a stored order reads one order chunk and then the record chunks of its units.
// Two record layouts (docs/storage.md):
// - 'kept' (written since m150): only what cannot be derived from the layer's sufficient statistics, the
//   selection and q (9 bytes, `kept#` chunks); runs/unit-values.ts recomputes the rest for the units read.
// - 'whole' (m110 to m140): every value (37 bytes, `units#` chunks), read as stored.
import type { UnitResults } from '../pipeline-types.ts';
import { blobData, toBlob, typedView, type BlobSource, type Dtype, type TypedArrayOf } from './blobs.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';

/**
 * A unit's values as readers get them (runs/unit-values.ts), with their stored names: display metrics as
 * float32 (activations are float32 to begin with), p and q float64 because they reach 1e-300.
 */
export const UNIT_FIELDS = [
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
] as const satisfies readonly { name: string; dtype: Dtype; field: keyof UnitRecord }[];

export type UnitFieldName = (typeof UNIT_FIELDS)[number]['name'];

/** A field of a record layout: where in the record, and its dtype as readers get it. */
function recordField<N extends UnitFieldName>(name: N, at: number) {
  return { name, at, dtype: UNIT_FIELDS.find((f) => f.name === name)!.dtype };
}

/**
 * The 'whole' record (little-endian, packed, 37 bytes): the values up to d', as runs stored them from
 * m110 to m140. d' to the second category and the mean pairwise t were never stored.
 */
const WHOLE_FIELDS = [
  recordField('selective', 0),
  recordField('csi', 1),
  recordField('t_min', 5),
  recordField('p_max', 9),
  recordField('q_max', 17),
  recordField('mean_target', 25),
  recordField('mean_others', 29),
  recordField('dprime', 33),
] as const;
const WHOLE_RECORD_BYTES = 37;

/** Every value a 'whole' record holds: the analysis's and four the analysis no longer keeps. */
export type WholeUnitResults = UnitResults & Record<'pMax' | 'meanTarget' | 'meanOthers' | 'dprime', Float64Array>;

/** The 'kept' record: the selection (u8) and q (f64), the values no unit's own statistics give. */
const KEPT_FIELDS = [recordField('selective', 0), recordField('q_max', 1)] as const;
const KEPT_RECORD_BYTES = 9;

export type RecordLayout = 'whole' | 'kept';

/** The fields each layout stores; readers derive the others from the statistics. */
export const STORED_FIELDS: Record<RecordLayout, readonly UnitFieldName[]> = { whole: WHOLE_FIELDS.map((f) => f.name), kept: KEPT_FIELDS.map((f) => f.name) };

/**
 * The stored orders: `csi_order` holds every unit index sorted by CSI, highest first, NaN last, ties by
 * unit index (so "top N by CSI" reads a prefix); `selective_csi` the selective units in that order;
 * `selective_t` the selective units by t (rounded to float32, as readers get it) descending, NaN last,
 * ties by unit index.
 */
export type UnitOrder = 'csi_order' | 'selective_csi' | 'selective_t';

/** The fields every layout stores, and the orders: what this module reads as columns. */
export type StoredColumnName = (typeof KEPT_FIELDS)[number]['name'] | 'csi_order';

/** What a 'kept' record holds of a unit. */
export interface KeptRecord {
  unit: number;
  selective: boolean;
  qMax: number;
}

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
  dprimeSecond: number;
  meanPairT: number;
}

/** What a 'whole' record holds of a unit. */
export type WholeRecord = Omit<UnitRecord, 'dprimeSecond' | 'meanPairT'>;

/**
 * Record chunks are small so that a page of 1,000 units scattered over a layer (the top units by CSI)
 * reads at most 1,000 small chunks, not the layer: 1.2 KB of whole records, 1.2 KB of kept ones (three
 * to a 4 KB page). Order chunks are read as a run of consecutive units, so they are larger (16 KB).
 * SQLite reads a BLOB's whole overflow chain even for substr(), which is why nothing here is one BLOB
 * per layer. The sizes are fixed: stored runs' chunk boundaries depend on them.
 */
const LAYOUTS = {
  whole: { prefix: 'units', bytes: WHOLE_RECORD_BYTES, unitsPerChunk: 32 },
  kept: { prefix: 'kept', bytes: KEPT_RECORD_BYTES, unitsPerChunk: 128 },
} as const satisfies Record<RecordLayout, { prefix: string; bytes: number; unitsPerChunk: number }>;
export const UNITS_PER_ORDER_CHUNK = 4096;

type RecordPrefix = (typeof LAYOUTS)[RecordLayout]['prefix'];

function chunkName(name: RecordPrefix | UnitOrder, chunk: number): string {
  return `${name}#${String(chunk).padStart(7, '0')}`;
}

type Insert = ReturnType<typeof insertStatement>;

function insertStatement(db: Db) {
  return statement<[number, number, string, string, Dtype, Buffer]>(db, 'INSERT INTO unit_columns (run_id, position, category, name, dtype, data) VALUES (?, ?, ?, ?, ?, ?)');
}

function writeChunks(insert: Insert, runId: number, position: number, category: string, name: RecordPrefix | UnitOrder, dtype: Dtype, bytes: Uint8Array, chunkBytes: number): void {
  const chunks = Math.max(1, Math.ceil(bytes.byteLength / chunkBytes));
  for (let c = 0; c < chunks; c++) insert.run(runId, position, category, chunkName(name, c), dtype, toBlob(bytes.subarray(c * chunkBytes, (c + 1) * chunkBytes)));
}

function packKept(results: UnitResults): Uint8Array {
  const n = results.selective.length;
  const out = new Uint8Array(n * KEPT_RECORD_BYTES);
  const view = new DataView(out.buffer);
  for (let u = 0, o = 0; u < n; u++, o += KEPT_RECORD_BYTES) {
    view.setUint8(o, results.selective[u]!);
    view.setFloat64(o + 1, results.qMax[u]!, true);
  }
  return out;
}

function packWhole(results: WholeUnitResults): Uint8Array {
  const n = results.selective.length;
  const out = new Uint8Array(n * WHOLE_RECORD_BYTES);
  const view = new DataView(out.buffer);
  for (let u = 0; u < n; u++) {
    const o = u * WHOLE_RECORD_BYTES;
    view.setUint8(o, results.selective[u]!);
    view.setFloat32(o + 1, results.csi[u]!, true);
    view.setFloat32(o + 5, results.tMin[u]!, true);
    view.setFloat64(o + 9, results.pMax[u]!, true);
    view.setFloat64(o + 17, results.qMax[u]!, true);
    view.setFloat32(o + 25, results.meanTarget[u]!, true);
    view.setFloat32(o + 29, results.meanOthers[u]!, true);
    view.setFloat32(o + 33, results.dprime[u]!, true);
  }
  return out;
}

function decodeKept(view: DataView, o: number, unit: number): KeptRecord {
  return { unit, selective: view.getUint8(o) === 1, qMax: view.getFloat64(o + 1, true) };
}

function decodeWhole(view: DataView, o: number, unit: number): WholeRecord {
  return {
    unit,
    selective: view.getUint8(o) === 1,
    csi: view.getFloat32(o + 1, true),
    tMin: view.getFloat32(o + 5, true),
    pMax: view.getFloat64(o + 9, true),
    qMax: view.getFloat64(o + 17, true),
    meanTarget: view.getFloat32(o + 25, true),
    meanOthers: view.getFloat32(o + 29, true),
    dprime: view.getFloat32(o + 33, true),
  };
}

const bytesOf = (a: Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes a (run, layer, category)'s kept records and its orders. */
export function writeUnitResults(db: Db, runId: number, position: number, results: UnitResults, csiOrder: Int32Array): void {
  writeRecords(db, 'kept', packKept(results), runId, position, results, csiOrder);
}

/** Writes `records` (packed in `layout`) and the orders of `results`. */
function writeRecords(db: Db, layout: RecordLayout, records: Uint8Array, runId: number, position: number, results: Pick<UnitResults, 'category' | 'selective' | 'tMin'>, csiOrder: Int32Array): void {
  const insert = insertStatement(db);
  const write = (name: RecordPrefix | UnitOrder, dtype: Dtype, bytes: Uint8Array, chunkBytes: number) => writeChunks(insert, runId, position, results.category, name, dtype, bytes, chunkBytes);
  const { prefix, bytes, unitsPerChunk } = LAYOUTS[layout];
  write(prefix, 'u8', records, unitsPerChunk * bytes);
  const orderBytes = UNITS_PER_ORDER_CHUNK * 4;
  write('csi_order', 'i32', bytesOf(csiOrder), orderBytes);
  write('selective_csi', 'i32', bytesOf(csiOrder.filter((u) => results.selective[u] === 1)), orderBytes);
  write('selective_t', 'i32', bytesOf(selectiveByT(results)), orderBytes);
}

/** Selective units by t (rounded to float32, as readers get it) descending, NaN last, ties by unit index. */
function selectiveByT(results: Pick<UnitResults, 'selective' | 'tMin'>): Int32Array {
  const units: number[] = [];
  for (let u = 0; u < results.selective.length; u++) if (results.selective[u] === 1) units.push(u);
  // Sort (t, unit) pairs: t as float32 like the field readers get; a comparator sort is fine here because
  // selective units are a fraction of a layer.
  const t = Float32Array.from(units, (u) => results.tMin[u]!);
  const order = units.map((_, i) => i);
  const key = (i: number) => (Number.isNaN(t[i]!) ? -Infinity : t[i]!);
  order.sort((a, b) => key(b) - key(a) || units[a]! - units[b]!);
  return Int32Array.from(order, (i) => units[i]!);
}

type Key = readonly [number, number, string];

/** The verified data bytes of a stored chunk: every chunk read goes through blobs.ts here. */
function chunkData(db: Db, [runId, position, category]: Key, row: { name: string; data: Buffer }): Uint8Array {
  const source: BlobSource = { db, table: 'unit_columns', what: `${category} ${row.name}`, runId, position };
  return blobData(row.data, source);
}

const viewOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function chunkRange(db: Db, key: Key, name: RecordPrefix | UnitOrder, firstChunk: number, lastChunk: number): Uint8Array[] {
  const [runId, position, category] = key;
  return statement<[number, number, string, string, string], { name: string; data: Buffer }>(
    db,
    'SELECT name, data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name <= ? ORDER BY name',
  )
    .all(runId, position, category, chunkName(name, firstChunk), chunkName(name, lastChunk))
    .map((r) => chunkData(db, key, r));
}

/**
 * How many units a stored order holds (every chunk but the last is full), or undefined when the (run,
 * layer, category) has none. Reads the last chunk rather than summing BLOB lengths, which would count
 * what blobs.ts adds to a BLOB beside the data.
 */
function orderLength(db: Db, key: Key, name: UnitOrder): number | undefined {
  const [runId, position, category] = key;
  const { chunks } = statement<[number, number, string, string, string], { chunks: number }>(
    db,
    'SELECT COUNT(*) AS chunks FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name < ?',
  ).get(runId, position, category, `${name}#`, `${name}$`)!;
  if (chunks === 0) return undefined;
  const lastChunk = chunks - 1;
  return lastChunk * UNITS_PER_ORDER_CHUNK + (chunkRange(db, key, name, lastChunk, lastChunk)[0]?.byteLength ?? 0) / 4;
}

/** int32 values of raw little-endian bytes (copied: a slice may sit at any offset). */
function int32sOf(bytes: Uint8Array): Int32Array {
  const out = new Int32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

const joined = (parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0]! : Buffer.concat(parts));

/** Units [first, first + count) of a stored order, and how many units the order holds in all. */
export function readOrder(db: Db, runId: number, position: number, category: string, order: UnitOrder, first = 0, count = Infinity): { total: number; units: Int32Array } | undefined {
  const key: Key = [runId, position, category];
  const total = orderLength(db, key, order);
  if (total === undefined) return undefined;
  const end = Math.min(total, first + count);
  if (end <= first) return { total, units: new Int32Array(0) };
  const firstChunk = Math.floor(first / UNITS_PER_ORDER_CHUNK);
  const data = joined(chunkRange(db, key, order, firstChunk, Math.floor((end - 1) / UNITS_PER_ORDER_CHUNK)));
  const from = (first - firstChunk * UNITS_PER_ORDER_CHUNK) * 4;
  return { total, units: int32sOf(data.subarray(from, from + (end - first) * 4)) };
}

/** How a (run, layer, category)'s records are stored, or undefined when it has none. */
export function recordLayout(db: Db, runId: number, position: number, category: string): RecordLayout | undefined {
  const row = statement<[number, number, string, string, string], { name: string }>(
    db,
    'SELECT name FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name IN (?, ?) LIMIT 1',
  ).get(runId, position, category, chunkName(LAYOUTS.kept.prefix, 0), chunkName(LAYOUTS.whole.prefix, 0));
  if (!row) return undefined;
  return row.name.startsWith(`${LAYOUTS.kept.prefix}#`) ? 'kept' : 'whole';
}

/** Records as stored (STORED_FIELDS of their layout; runs/unit-values.ts completes them). */
export type StoredRecords = { layout: 'whole'; records: WholeRecord[] } | { layout: 'kept'; records: KeptRecord[] };

function decoder(layout: RecordLayout): (view: DataView, o: number, unit: number) => WholeRecord | KeptRecord {
  return layout === 'kept' ? decodeKept : decodeWhole;
}

function stored(layout: RecordLayout, records: (WholeRecord | KeptRecord)[]): StoredRecords {
  return layout === 'kept' ? { layout, records: records as KeptRecord[] } : { layout, records: records as WholeRecord[] };
}

/** The records of units [first, first + count) in unit order (consecutive record chunks). */
export function readUnitRange(db: Db, runId: number, position: number, category: string, first: number, count: number): StoredRecords | undefined {
  const layout = recordLayout(db, runId, position, category);
  if (!layout) return undefined;
  if (count <= 0) return stored(layout, []);
  const { prefix, bytes, unitsPerChunk } = LAYOUTS[layout];
  const firstChunk = Math.floor(first / unitsPerChunk);
  const data = joined(chunkRange(db, [runId, position, category], prefix, firstChunk, Math.floor((first + count - 1) / unitsPerChunk)));
  const view = viewOf(data);
  const decode = decoder(layout);
  const base = firstChunk * unitsPerChunk;
  const end = Math.min(first + count, base + data.byteLength / bytes);
  const out: (WholeRecord | KeptRecord)[] = [];
  for (let u = first; u < end; u++) out.push(decode(view, (u - base) * bytes, u));
  return stored(layout, out);
}

/**
 * The records of `units` (any order, as given). The chunks they fall in are read by one statement (a
 * JSON list of their names): one prepared lookup per chunk costs several times more per row.
 */
export function readUnitsAt(db: Db, runId: number, position: number, category: string, units: ArrayLike<number>): StoredRecords | undefined {
  const layout = recordLayout(db, runId, position, category);
  if (!layout) return undefined;
  const { prefix, bytes, unitsPerChunk } = LAYOUTS[layout];
  const wanted = new Set<number>();
  for (let i = 0; i < units.length; i++) wanted.add(Math.floor(units[i]! / unitsPerChunk));
  if (wanted.size === 0) return stored(layout, []);
  const rows = statement<[number, number, string, string], { name: string; data: Buffer }>(
    db,
    'SELECT name, data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name IN (SELECT value FROM json_each(?))',
  ).all(runId, position, category, JSON.stringify(Array.from(wanted, (c) => chunkName(prefix, c))));
  if (rows.length < wanted.size) return undefined;
  const chunks = new Map(rows.map((r) => [Number(r.name.slice(prefix.length + 1)), viewOf(chunkData(db, [runId, position, category], r))]));
  const decode = decoder(layout);
  const out: (WholeRecord | KeptRecord)[] = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const c = Math.floor(u / unitsPerChunk);
    out.push(decode(chunks.get(c)!, (u - c * unitsPerChunk) * bytes, u));
  }
  return stored(layout, out);
}

/** Every record of a (run, layer, category) in unit order, undecoded, and their layout. */
function allRecordBytes(db: Db, runId: number, position: number, category: string): { layout: RecordLayout; data: Uint8Array } | undefined {
  const layout = recordLayout(db, runId, position, category);
  if (!layout) return undefined;
  const { prefix } = LAYOUTS[layout];
  const parts = statement<[number, number, string, string, string], { name: string; data: Buffer }>(
    db,
    'SELECT name, data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name >= ? AND name < ? ORDER BY name',
  )
    .all(runId, position, category, `${prefix}#`, `${prefix}$`)
    .map((r) => chunkData(db, [runId, position, category], r));
  return { layout, data: joined(parts) };
}

export type FieldArray = Uint8Array | Float32Array | Float64Array;

/** One field of packed records of `recordBytes` each, as a column. */
function fieldOf(data: Uint8Array, recordBytes: number, field: { dtype: Dtype; at: number }): FieldArray {
  const view = viewOf(data);
  const n = data.byteLength / recordBytes;
  // One loop per type: a run's comparison and exports read tens of millions of records.
  if (field.dtype === 'u8') {
    const out = new Uint8Array(n);
    for (let u = 0, o = field.at; u < n; u++, o += recordBytes) out[u] = data[o]!;
    return out;
  }
  if (field.dtype === 'f32') {
    const out = new Float32Array(n);
    for (let u = 0, o = field.at; u < n; u++, o += recordBytes) out[u] = view.getFloat32(o, true);
    return out;
  }
  const out = new Float64Array(n);
  for (let u = 0, o = field.at; u < n; u++, o += recordBytes) out[u] = view.getFloat64(o, true);
  return out;
}

/** A whole stored column in unit order: the selection, q, or the CSI order (every layout has them). */
export function readUnitColumn<D extends Dtype>(db: Db, runId: number, position: number, category: string, name: StoredColumnName, dtype: D): TypedArrayOf<D> | undefined {
  if (name === 'csi_order') {
    if (dtype !== 'i32') throw new Error(`unit column csi_order is stored as i32, expected ${dtype}`);
    return readOrder(db, runId, position, category, 'csi_order')?.units as TypedArrayOf<D> | undefined;
  }
  const field = KEPT_FIELDS.find((f) => f.name === name)!;
  if (field.dtype !== dtype) throw new Error(`unit column ${name} is stored as ${field.dtype}, expected ${dtype}`);
  const fields = readStoredFields(db, runId, position, category, [name]);
  return fields?.fields[name] as TypedArrayOf<D> | undefined;
}

/** Stored fields as columns in unit order: those of the layout (STORED_FIELDS). */
export type StoredFields = { layout: RecordLayout; fields: Partial<Record<UnitFieldName, FieldArray>> };

/**
 * Fields of a (run, layer, category) as columns in unit order, from one read of its records: the ones
 * named that its layout stores (all of them when `names` is absent).
 */
export function readStoredFields(db: Db, runId: number, position: number, category: string, names?: readonly UnitFieldName[]): StoredFields | undefined {
  const all = allRecordBytes(db, runId, position, category);
  if (!all) return undefined;
  const picked = <F extends { name: UnitFieldName }>(fields: readonly F[]) => (names ? fields.filter((f) => names.includes(f.name)) : fields);
  const columns = (fields: readonly { name: UnitFieldName; dtype: Dtype; at: number }[], recordBytes: number) =>
    Object.fromEntries(picked(fields).map((f) => [f.name, fieldOf(all.data, recordBytes, f)]));
  return { layout: all.layout, fields: all.layout === 'kept' ? columns(KEPT_FIELDS, KEPT_RECORD_BYTES) : columns(WHOLE_FIELDS, WHOLE_RECORD_BYTES) };
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

/** The columns of the layout before m110 (one BLOB each per run, layer and category), read once by m110. */
const LEGACY_COLUMNS = ['selective', 'csi', 't_min', 'p_max', 'q_max', 'mean_target', 'mean_others', 'dprime', 'csi_order'] as const;

/**
 * m110: rewrites every (run, layer, category) stored in the layout before it (value columns as single
 * BLOBs, CSI order, 44-byte sorted records, unused d' to the second category and mean pairwise t) in this
 * one, with the same values and orders, one (run, layer, category) in memory at a time.
 */
export function migrateLegacyUnitResults(db: Db): void {
  const groups = db.prepare("SELECT DISTINCT run_id AS run, position, category FROM unit_columns WHERE name = 'csi' ORDER BY run_id, position, category").all() as { run: number; position: number; category: string }[];
  const column = db.prepare('SELECT dtype, data FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name = ?');
  const drop = db.prepare("DELETE FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND name NOT LIKE '%#%'");
  const dropRecords = db.prepare("DELETE FROM unit_columns WHERE run_id = ? AND position = ? AND category = ? AND (name LIKE 'csi_sorted#%' OR name LIKE 'selective_sorted#%' OR name LIKE 'selective_by_t#%')");
  for (const { run, position, category } of groups) {
    const read = (name: (typeof LEGACY_COLUMNS)[number]) => {
      const row = column.get(run, position, category, name) as { dtype: Dtype; data: Buffer } | undefined;
      if (!row) throw new Error(`unit results of run #${run}, layer ${position}, ${category}: the column ${name} is missing`);
      // Raw: BLOBs written before m120 carry no checksum trailer yet (m120 seals the rest after this).
      const values = typedView(row.data, row.dtype);
      // Copied out: the statement's next read may reuse the buffer.
      return row.dtype === 'u8' || row.dtype === 'i32' ? values.slice() : Float64Array.from(values);
    };
    const [selective, csi, tMin, pMax, qMax, meanTarget, meanOthers, dprime, order] = LEGACY_COLUMNS.map(read);
    const results: WholeUnitResults = {
      category,
      selective: selective as Uint8Array,
      csi: csi as Float64Array,
      tMin: tMin as Float64Array,
      pMax: pMax as Float64Array,
      qMax: qMax as Float64Array,
      meanTarget: meanTarget as Float64Array,
      meanOthers: meanOthers as Float64Array,
      dprime: dprime as Float64Array,
    };
    drop.run(run, position, category);
    dropRecords.run(run, position, category);
    writeRecords(db, 'whole', packWhole(results), run, position, results, order as Int32Array);
  }
}
