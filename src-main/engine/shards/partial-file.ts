// The .partial file: one shard's sufficient statistics plus what a merge must check.
//
//   offset 0   magic "USPART\r\n" (8 bytes; the CR LF catches text-mode transfers that rewrite line ends)
//          8   format version, u32 little-endian
//         12   header length H in bytes, u32 little-endian
//         16   header: UTF-8 JSON (PartialHeader), padded with spaces to a multiple of 8
//     16 + H   per layer, in plan order: count f64[K], mean f64[K x units], m2 f64[K x units] (little-endian,
//              category-major, exactly the LayerStats arrays)
//   end - 32   sha256 of every byte before it
//
// Files are written to a temporary name and renamed, so a shard killed mid-write never leaves a
// .partial that looks complete; the trailing checksum catches later damage (disk, copies between
// machines). Layers are read one at a time at their offsets, so a merge holds one layer per shard.
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import type { LayerStats } from '../pipeline-types.ts';
import { tapUnits } from '../pipeline-types.ts';
import type { ShardSpec } from './assignment.ts';
import type { ShardPlan } from './shard-plan.ts';

export const PARTIAL_MAGIC = Buffer.from('USPART\r\n', 'latin1');
export const PARTIAL_VERSION = 1;
const PREFIX = 16;
const CHECKSUM = 32;

export interface PartialHeader {
  format: 'unitscope-partial';
  plan: ShardPlan;
  shard: ShardSpec;
  /** Positions in plan.images this shard covered, ascending. */
  positions: number[];
  run: {
    host: string;
    /** Scheduler job, e.g. "slurm 1234_2", when the shard ran under one. */
    job: string | null;
    provider: string;
    fallback: string | null;
    batch: number | null;
    seconds: number;
    createdAt: string;
    app: string;
    platform: string;
  };
}

function layerBytes(plan: ShardPlan, l: number): number {
  const K = plan.categories.length;
  return 8 * (K + 2 * K * tapUnits(plan.taps[l]!));
}

function bytesOf(array: Float64Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Writes `layers` (one per plan tap) and the header to `file` atomically; returns the file's sha256. */
/**
 * Throws unless `file` is absent or a partial file: a shard that is run again replaces its own partial,
 * never some other file that happens to have the name.
 */
export function checkReplaceablePartial(file: string): void {
  const refuse = () => new EngineError('conflict', `${file}: a file that is not a partial is already there; Unitscope does not replace it (choose another --out)`, { file });
  let info;
  try {
    info = lstatSync(file);
  } catch {
    return; // nothing there
  }
  if (!info.isFile()) throw refuse(); // a link, folder or device is not ours either
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(PARTIAL_MAGIC.length);
    if (readSync(fd, magic, 0, magic.length, 0) !== magic.length || !magic.equals(PARTIAL_MAGIC)) throw refuse();
  } finally {
    closeSync(fd);
  }
}

export function writePartial(file: string, header: PartialHeader, layers: readonly LayerStats[]): string {
  const { plan } = header;
  if (layers.length !== plan.taps.length) throw new EngineError('internal', `writePartial: ${layers.length} layers for ${plan.taps.length} taps`);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  PARTIAL_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(PARTIAL_VERSION, 8);
  prefix.writeUInt32LE(headerBytes.length, 12);
  const tmp = `${file}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  const whole = createHash('sha256');
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx');
    const put = (chunk: Buffer) => {
      hash.update(chunk);
      whole.update(chunk);
      let off = 0;
      while (off < chunk.length) off += writeSync(fd!, chunk, off, chunk.length - off);
    };
    put(prefix);
    put(headerBytes);
    layers.forEach((stats, l) => {
      const K = plan.categories.length;
      const units = tapUnits(plan.taps[l]!);
      if (stats.count.length !== K || stats.mean.length !== K * units || stats.m2.length !== K * units) {
        throw new EngineError('internal', `writePartial: layer ${plan.taps[l]!.name} has the wrong shape`);
      }
      put(bytesOf(stats.count));
      put(bytesOf(stats.mean));
      put(bytesOf(stats.m2));
    });
    const digest = hash.digest();
    whole.update(digest);
    let off = 0;
    while (off < digest.length) off += writeSync(fd, digest, off, digest.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, file);
    return whole.digest('hex');
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    if (error instanceof EngineError) throw error;
    throw new EngineError('io', `${file}: cannot write the partial file (${(error as Error).message})`, { file, cause: error });
  }
}

export interface OpenedPartial {
  file: string;
  header: PartialHeader;
  /** Byte offset of each layer's arrays. */
  offsets: number[];
  size: number;
}

function corrupt(file: string, reason: string): EngineError {
  return new EngineError('bad_input', `${file}: corrupt or not a Unitscope partial file (${reason})`, { file });
}

/** Reads and checks the header and the file size (cheap: no checksum). Throws EngineError naming the file. */
export function openPartial(file: string): OpenedPartial {
  let fd: number;
  try {
    // Non-blocking: a FIFO named like a partial opens at once (and is then too short) instead of hanging.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EngineError(code === 'ENOENT' ? 'not_found' : 'io', `${file}: cannot open the partial file (${(error as Error).message})`, { file, cause: error });
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = Buffer.alloc(PREFIX);
    if (size < PREFIX + CHECKSUM || readSync(fd, prefix, 0, PREFIX, 0) !== PREFIX) throw corrupt(file, `only ${size} bytes`);
    if (!prefix.subarray(0, 8).equals(PARTIAL_MAGIC)) throw corrupt(file, 'wrong magic bytes');
    const version = prefix.readUInt32LE(8);
    if (version !== PARTIAL_VERSION) {
      throw new EngineError('unsupported', `${file}: partial file format version ${version}; this Unitscope reads version ${PARTIAL_VERSION} (run all shards and the merge with the same release)`, { file });
    }
    const length = prefix.readUInt32LE(12);
    if (PREFIX + length + CHECKSUM > size) throw corrupt(file, `header of ${length} bytes in a file of ${size}`);
    const text = Buffer.alloc(length);
    readSync(fd, text, 0, length, PREFIX);
    let header: PartialHeader;
    try {
      header = JSON.parse(text.toString('utf8')) as PartialHeader;
    } catch (error) {
      throw corrupt(file, `unreadable header: ${(error as Error).message}`);
    }
    if (header?.format !== 'unitscope-partial' || !header.plan || !header.shard || !Array.isArray(header.positions) || !header.run) throw corrupt(file, 'header fields missing');
    const offsets: number[] = [];
    let offset = PREFIX + length;
    for (let l = 0; l < header.plan.taps.length; l++) {
      offsets.push(offset);
      offset += layerBytes(header.plan, l);
    }
    if (offset + CHECKSUM !== size) throw corrupt(file, `${size} bytes where the header implies ${offset + CHECKSUM} (truncated?)`);
    return { file, header, offsets, size };
  } finally {
    closeSync(fd);
  }
}

/** Recomputes the sha256 of the contents and compares it with the stored one; returns the file's sha256. */
export async function verifyPartial(opened: OpenedPartial): Promise<string> {
  const { file, size } = opened;
  const body = createHash('sha256');
  const whole = createHash('sha256');
  let stored = Buffer.alloc(0);
  let position = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const bodyEnd = size - CHECKSUM;
    if (position < bodyEnd) body.update(chunk.subarray(0, Math.min(chunk.length, bodyEnd - position)));
    if (position + chunk.length > bodyEnd) stored = Buffer.concat([stored, chunk.subarray(Math.max(0, bodyEnd - position))]);
    position += chunk.length;
  }
  if (position !== size) throw corrupt(file, 'the file changed while it was read');
  if (!body.digest().equals(stored)) throw corrupt(file, 'checksum mismatch: the contents were damaged after the shard wrote them');
  return whole.digest('hex');
}

/** Layer l's statistics, read at its offset into fresh (aligned) arrays. */
export function readPartialLayer(opened: OpenedPartial, l: number): LayerStats {
  const { header, file } = opened;
  const tap = header.plan.taps[l]!;
  const K = header.plan.categories.length;
  const units = tapUnits(tap);
  const count = new Float64Array(K);
  const mean = new Float64Array(K * units);
  const m2 = new Float64Array(K * units);
  const fd = openSync(file, 'r');
  try {
    let position = opened.offsets[l]!;
    for (const array of [count, mean, m2]) {
      const bytes = new Uint8Array(array.buffer);
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(fd, bytes, done, bytes.length - done, position + done);
        if (n === 0) throw corrupt(file, `ends inside layer ${tap.name}`);
        done += n;
      }
      position += bytes.length;
    }
  } finally {
    closeSync(fd);
  }
  return { tap, count, mean, m2 };
}
