// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}), then the raw tensors,
// little-endian, row-major, offsets relative to the end of the header. Read here directly (no npm
// package for it is maintained; the format is a page long): every offset and size is checked against
// the file before a byte is used, and float tensors come back as Float32Array whatever their dtype.
import { readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { EngineError } from '../errors.ts';
import { elementCount } from '../onnx/generators/parameters.ts';
import { float16ToFloat32, bfloat16ToFloat32 } from './float-formats.ts';
import type { LoadedTensor, StateDict } from './state-dict.ts';

/** Item sizes of the dtypes the format defines. */
const ITEM_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
};
/** Headers above this are not a weights file (the real ones are tens of kB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Float32 arrays share the file's byte order: raw bytes can be copied as they are. */
const LITTLE_ENDIAN = endianness() === 'LE';

function bad(file: string, reason: string): EngineError {
  return new EngineError('bad_input', `${file}: not a readable safetensors file: ${reason}`, { file });
}

function toFloat32(dtype: string, bytes: Uint8Array): Float32Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / (ITEM_BYTES[dtype] ?? 1));
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(bytes).buffer);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F64':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'F16':
      for (let i = 0; i < out.length; i++) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
      return out;
    case 'BF16':
      for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat32(view.getUint16(i * 2, true));
      return out;
    default:
      return null; // integer tensors (num_batches_tracked) carry no weights the builders use
  }
}

export function parseSafetensors(file: string, buffer: Uint8Array): StateDict {
  if (buffer.byteLength < 8) throw bad(file, `${buffer.byteLength} bytes is shorter than the 8-byte header length`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > buffer.byteLength) throw bad(file, `the header length ${headerLength} does not fit the file's ${buffer.byteLength} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw bad(file, `the header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad(file, 'the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataBytes = buffer.byteLength - dataStart;
  const tensors = new Map<string, LoadedTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) throw bad(file, `tensor ${name} has no dtype, shape and data_offsets`);
    const itemBytes = ITEM_BYTES[e.dtype];
    if (itemBytes === undefined) throw bad(file, `tensor ${name} has an unknown dtype ${e.dtype}`);
    const shape = e.shape as unknown[];
    if (!shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(file, `tensor ${name} has a malformed shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets as unknown[];
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) < (begin as number) || (end as number) > dataBytes) {
      throw bad(file, `tensor ${name}'s data_offsets ${JSON.stringify(e.data_offsets)} lie outside the ${dataBytes} data bytes (a truncated download?)`);
    }
    const length = (end as number) - (begin as number);
    if (length !== elementCount(shape) * itemBytes) throw bad(file, `tensor ${name} [${shape.join(', ')}] ${e.dtype} needs ${elementCount(shape) * itemBytes} bytes, its offsets give ${length}`);
    spans.push([begin as number, end as number, name]);
    const bytes = buffer.subarray(dataStart + (begin as number), dataStart + (end as number));
    tensors.set(name, { dtype: e.dtype, shape, values: toFloat32(e.dtype, bytes) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) throw bad(file, `tensors ${spans[i - 1]![2]} and ${spans[i]![2]} overlap`);
  }
  return tensors;
}

export async function readSafetensors(file: string): Promise<StateDict> {
  return parseSafetensors(file, await readFile(file));
}

export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** Writes float32 tensors as safetensors (header padded to 8 bytes with spaces, as the reference writer does). */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    else for (let i = 0; i < t.data.length; i++) out.writeFloatLE(t.data[i]!, at + i * 4);
    at += t.data.byteLength;
  }
  return out;
}

export async function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata: Record<string, string> = {}): Promise<void> {
  await writeFile(file, encodeSafetensors(tensors, metadata));
}
