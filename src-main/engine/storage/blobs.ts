// Typed arrays go in and out of SQLite as little-endian BLOBs (every platform Node ships on is
// little-endian; checked once below so a big-endian build fails loudly instead of reading garbage).
//
// Every BLOB carries an 8-byte trailer after its data: the CRC-32 of the data (uint32 LE) and the tag
// "USc1". The trailer sits after the data so SQL substr() offsets from the start stay valid; readers of a
// whole BLOB verify it here (fromBlob, blobData), so a flipped byte is an error naming what is damaged
// instead of a silently different number. Migration m120 sealed the BLOBs written before (docs/storage.md).
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import type { EngineError } from '../errors.ts';
import { damagedProject } from './damage.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';

if (endianness() !== 'LE') throw new Error('Unitscope stores little-endian arrays and needs a little-endian CPU');

export type Dtype = 'u8' | 'i32' | 'f32' | 'f64';
export type TypedArrayOf<D extends Dtype> = D extends 'u8' ? Uint8Array : D extends 'i32' ? Int32Array : D extends 'f32' ? Float32Array : Float64Array;

export function dtypeBytes(dtype: Dtype): number {
  return dtype === 'u8' ? 1 : dtype === 'f64' ? 8 : 4;
}

/** Bytes the checksum trailer adds to every BLOB (a multiple of 8, so f64 data stays aligned). */
export const BLOB_TRAILER_BYTES = 8;
const TAG = 0x31635355; // "USc1" little-endian

/** Where a BLOB was read from, for the message when it is damaged. */
export interface BlobSource {
  /** The project's connection (its file is named in the message, its run_layers name the layer). */
  db: Db;
  table: string;
  /** The BLOB: the column and, for unit results, the stored array's name. */
  what: string;
  runId?: number;
  /** The layer's position in the run. */
  position?: number;
}

/** The data with its checksum trailer appended: the one way a BLOB is written. */
export function toBlob(array: ArrayBufferView): Buffer {
  return sealBytes(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

export function sealBytes(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.byteLength + BLOB_TRAILER_BYTES);
  out.set(data, 0);
  out.writeUInt32LE(crc32(data), data.byteLength);
  out.writeUInt32LE(TAG, data.byteLength + 4);
  return out;
}

/** True when `blob` ends in a trailer whose checksum matches its data. */
export function isSealed(blob: Uint8Array): boolean {
  if (blob.byteLength < BLOB_TRAILER_BYTES) return false;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const end = blob.byteLength - BLOB_TRAILER_BYTES;
  return view.getUint32(end + 4, true) === TAG && view.getUint32(end, true) === crc32(blob.subarray(0, end));
}

/** The layer's name, looked up only for a message (the lookup itself may meet the damage). */
function layerName(db: Db, runId: number, position: number): string {
  try {
    const row = statement<[number, number], { name: string }>(db, 'SELECT name FROM run_layers WHERE run_id = ? AND position = ?').get(runId, position);
    return row ? row.name : `at position ${position}`;
  } catch {
    return `at position ${position}`;
  }
}

/** "run #3, layer conv2, table unit_columns (csi)": what a damaged BLOB held. */
export function describeBlob(source: BlobSource): string {
  const run = source.runId !== undefined ? `run #${source.runId}, ` : '';
  const layer = source.runId !== undefined && source.position !== undefined && source.position >= 0 ? `layer ${layerName(source.db, source.runId, source.position)}, ` : '';
  return `${run}${layer}table ${source.table} (${source.what})`;
}

/** The error for a BLOB whose checksum does not match: names the file, the data and the way back. */
export function damagedBlob(source: BlobSource): EngineError {
  return damagedProject(source.db.name, `the stored data of ${describeBlob(source)} does not match its checksum`, source.table);
}

/**
 * JSON result columns (layer metrics, chart aggregates) are TEXT, so their checksum is a column beside
 * them (crc, m120): a flipped digit would otherwise parse as a different number.
 */
export function textChecksum(text: string): number {
  return crc32(text);
}

/** `text` when it matches its stored checksum. */
export function verifiedText(text: string, crc: number, source: BlobSource): string {
  if (crc32(text) !== crc) throw damagedBlob(source);
  return text;
}

/** The data bytes of a sealed BLOB, verified (a view, no copy). */
export function blobData(blob: Uint8Array, source: BlobSource): Uint8Array {
  if (!isSealed(blob)) throw damagedBlob(source);
  return blob.subarray(0, blob.byteLength - BLOB_TRAILER_BYTES);
}

/**
 * A typed view of a verified BLOB. better-sqlite3 gives large BLOBs their own ArrayBuffer (offset 0), so
 * the view costs nothing; a BLOB at an unaligned offset of a shared pool is copied into an aligned array.
 */
export function fromBlob<D extends Dtype>(blob: Uint8Array, dtype: D, source: BlobSource): TypedArrayOf<D> {
  return typedView(blobData(blob, source), dtype);
}

/** A typed view of raw bytes (a verified BLOB's data, or a substr() slice of one). */
export function typedView<D extends Dtype>(bytes: Uint8Array, dtype: D): TypedArrayOf<D> {
  const size = dtypeBytes(dtype);
  let buffer: ArrayBufferLike = bytes.buffer;
  let offset = bytes.byteOffset;
  if (offset % size !== 0) {
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    buffer = copy;
    offset = 0;
  }
  const length = bytes.byteLength / size;
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

/** `values` as the typed array `dtype` stores (no copy when it already is one). */
export function asDtype(values: ArrayLike<number>, dtype: Dtype): ArrayBufferView {
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
