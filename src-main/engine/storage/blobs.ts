// Typed arrays go in and out of SQLite as little-endian BLOBs (every platform Node ships on is
// little-endian; checked once below so a big-endian build fails loudly instead of reading garbage).
import { endianness } from 'node:os';

if (endianness() !== 'LE') throw new Error('Unitscope stores little-endian arrays and needs a little-endian CPU');

export type Dtype = 'u8' | 'i32' | 'f32' | 'f64';
export type TypedArrayOf<D extends Dtype> = D extends 'u8' ? Uint8Array : D extends 'i32' ? Int32Array : D extends 'f32' ? Float32Array : Float64Array;

export function dtypeBytes(dtype: Dtype): number {
  return dtype === 'u8' ? 1 : dtype === 'f64' ? 8 : 4;
}

export function toBlob(array: ArrayBufferView): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * A typed view of a BLOB. better-sqlite3 gives large BLOBs their own ArrayBuffer (offset 0), so the view
 * costs nothing; a BLOB at an unaligned offset of a shared pool is copied into an aligned array.
 */
export function fromBlob<D extends Dtype>(blob: Buffer, dtype: D): TypedArrayOf<D> {
  const size = dtypeBytes(dtype);
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
