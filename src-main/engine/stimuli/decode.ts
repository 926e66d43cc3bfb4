// Image decoding for the whole engine. Other stages get pixels ONLY through `decodeRgb`:
//
//   decodeRgb(path): Promise<{ data: Buffer, width, height }>
//     data is H x W x 3 uint8 RGB, row-major (HWC), at the image's full size, after:
//     - EXIF orientation applied (a phone photo shows upright, as every viewer shows it);
//     - grayscale replicated to three channels; alpha dropped without compositing (PIL `convert('RGB')`);
//     - 16-bit samples reduced to 8-bit by keeping the high byte (v >> 8, libvips' cast; PIL clips mode 'I'
//       instead, which would turn most 16-bit images white);
//     - CMYK converted to sRGB through libvips' colour management (PIL's naive formula differs slightly).
//     Preprocessing (resize, crop, normalisation) is the inference helper's job, not this module's.
//
// Decoder: sharp (libvips) for JPEG, PNG, WebP, TIFF and GIF (first frame); sharp has no BMP loader, so BMP
// goes through bmp-ts into raw pixels and then the same sharp pipeline. Dimensions over 100 megapixels are
// refused from the header alone, before any pixel is decoded.
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { decode as decodeBmp } from 'bmp-ts';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp' | 'gif';

export const MAX_PIXELS = 100_000_000;
/** Bytes `sniffFormat` needs to recognise every format. */
export const SIGNATURE_BYTES = 16;
/**
 * Largest image file read: import reads a few files at once, whole, so a few of these must fit the
 * engine's default 1 GiB budget. Stimuli are kilobytes to a few megabytes (a 50 megapixel camera JPEG is
 * about 20 MB), so no real stimulus comes near it.
 */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;
export const THUMBNAIL_SIZE = 128;

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Channels as stored: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA or CMYK. */
  channels: number;
}

export interface RgbImage {
  /** H x W x 3 uint8, row-major. */
  data: Buffer;
  width: number;
  height: number;
}

export interface Thumbnail {
  data: Buffer;
  width: number;
  height: number;
  mime: string;
}

/** A file that is not a usable image; `reason` is what the user reads next to the file name. */
export class ImageDecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ImageDecodeError';
  }
}

/** The format from the file's magic bytes (extensions lie: a text file named .png is not a PNG). */
export function sniffFormat(head: Buffer): ImageFormat | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (head.length >= 4 && (head.toString('latin1', 0, 4) === 'II*\u0000' || head.toString('latin1', 0, 4) === 'MM\u0000*')) return 'tiff';
  if (head.length >= 6 && (head.toString('latin1', 0, 6) === 'GIF87a' || head.toString('latin1', 0, 6) === 'GIF89a')) return 'gif';
  if (head.length >= 2 && head.toString('latin1', 0, 2) === 'BM') return 'bmp';
  return null;
}

function bmpHeader(buffer: Buffer): ImageHeader {
  if (buffer.length < 26) throw new ImageDecodeError('truncated BMP header');
  const dibSize = buffer.readUInt32LE(14);
  let width: number;
  let height: number;
  let bits: number;
  if (dibSize === 12) {
    // OS/2 BITMAPCOREHEADER: 16-bit sizes.
    width = buffer.readUInt16LE(18);
    height = buffer.readUInt16LE(20);
    bits = buffer.readUInt16LE(24);
  } else {
    if (buffer.length < 30) throw new ImageDecodeError('truncated BMP header');
    width = buffer.readInt32LE(18);
    height = Math.abs(buffer.readInt32LE(22));
    bits = buffer.readUInt16LE(28);
  }
  if (width <= 0 || height <= 0) throw new ImageDecodeError(`BMP header has invalid dimensions ${width}x${height}`);
  return { format: 'bmp', width, height, channels: bits === 32 ? 4 : 3 };
}

// libspng (inside sharp) rejects some headers before reporting their size, so a PNG's IHDR is read here:
// its width and height are the first two big-endian words of the first chunk.
function pngHeader(buffer: Buffer): ImageHeader {
  if (buffer.length < 33 || buffer.toString('latin1', 12, 16) !== 'IHDR') throw new ImageDecodeError('truncated or corrupt PNG header');
  const width = buffer.readUInt32BE(16);
  const height = buffer.readUInt32BE(20);
  const colourType = buffer[25]!;
  const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (channels === undefined) throw new ImageDecodeError(`corrupt PNG header (colour type ${colourType})`);
  if (width === 0 || height === 0) throw new ImageDecodeError(`PNG header has invalid dimensions ${width}x${height}`);
  return { format: 'png', width, height, channels };
}

function checkPixels(header: ImageHeader): void {
  if (header.width * header.height > MAX_PIXELS) {
    throw new ImageDecodeError(
      `dimensions ${header.width}x${header.height} exceed the ${MAX_PIXELS / 1e6} megapixel limit (refused without decoding)`,
    );
  }
}

/** Reads the header only (no pixel decoding); throws ImageDecodeError for empty, unknown or oversized files. */
export async function readHeader(buffer: Buffer): Promise<ImageHeader> {
  if (buffer.length === 0) throw new ImageDecodeError('empty file');
  const format = sniffFormat(buffer.subarray(0, SIGNATURE_BYTES));
  if (format === null) throw new ImageDecodeError('not an image (unrecognised file signature)');
  let header: ImageHeader;
  if (format === 'bmp') {
    header = bmpHeader(buffer);
  } else if (format === 'png') {
    header = pngHeader(buffer);
  } else {
    let meta: Metadata;
    try {
      meta = await sharp(buffer, { limitInputPixels: false }).metadata();
    } catch (error) {
      throw new ImageDecodeError(`unreadable ${format} header (${describeSharpError(error)})`);
    }
    if (!meta.width || !meta.height) throw new ImageDecodeError(`unreadable ${format} header (no dimensions)`);
    header = { format, width: meta.width, height: meta.height, channels: meta.channels ?? 3 };
  }
  checkPixels(header);
  return header;
}

function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // libvips messages carry a loader prefix and several lines; the first meaningful line is enough.
  const line = message.split('\n').find((l) => l.trim().length > 0) ?? message;
  if (/premature end|truncated|unexpected end|not enough data|read error|end of file/i.test(message)) return `truncated or corrupt data: ${line.trim()}`;
  return line.trim();
}

/** A sharp pipeline on the file's pixels, with BMP turned into raw pixels first. */
function pipeline(buffer: Buffer, header: ImageHeader): Sharp {
  if (header.format === 'bmp') {
    let decoded: { data: Buffer; width: number; height: number };
    try {
      decoded = decodeBmp(buffer, { toRGBA: true });
    } catch (error) {
      throw new ImageDecodeError(`corrupt BMP (${error instanceof Error ? error.message : String(error)})`);
    }
    if (decoded.data.length < decoded.width * decoded.height * 4) throw new ImageDecodeError('truncated BMP pixel data');
    const image = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 4 } });
    // bmp-ts fills alpha for formats without one; only 32-bit files carry a real alpha, dropped anyway.
    return image.removeAlpha();
  }
  // failOn 'truncated' rejects cut-off JPEG/PNG data but tolerates harmless warnings (odd markers).
  return sharp(buffer, { limitInputPixels: MAX_PIXELS, failOn: 'truncated', pages: 1 }).rotate();
}

async function run<T>(buffer: Buffer, header: ImageHeader, what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const reason = describeSharpError(error);
    throw new ImageDecodeError(/^unknown error$/i.test(reason) ? (missingEndReason(buffer, header.format) ?? reason) : reason);
  }
}

/**
 * libvips keeps one error buffer for the whole process, and a concurrent decode can clear it before sharp
 * reads it, so a failure sometimes arrives as a bare "Unknown error". Truncation, the common cause, is
 * still visible in the bytes: a whole JPEG ends with its end-of-image marker, a whole PNG with IEND.
 */
export function missingEndReason(buffer: Buffer, format: ImageFormat): string | undefined {
  // Some writers pad after the end marker, so look for it near the end rather than at the last byte.
  const tail = buffer.subarray(Math.max(0, buffer.length - 1024));
  if (format === 'jpeg' && tail.lastIndexOf(JPEG_END) < 0) return 'truncated or corrupt data: the JPEG has no end-of-image marker';
  if (format === 'png' && tail.lastIndexOf(PNG_END) < 0) return 'truncated or corrupt data: the PNG has no IEND chunk';
  return undefined;
}

const JPEG_END = Buffer.from([0xff, 0xd9]);
const PNG_END = Buffer.from('IEND', 'latin1');

/** Decodes an in-memory file to 8-bit RGB (see the top of this file for the exact semantics). */
export async function decodeRgbBuffer(buffer: Buffer, header?: ImageHeader): Promise<RgbImage> {
  const head = header ?? (await readHeader(buffer));
  return run(buffer, head, async () => {
    const { data, info } = await pipeline(buffer, head)
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageDecodeError(`decoder returned ${info.channels} channels, expected 3`);
    return { data, width: info.width, height: info.height };
  });
}

/** The pixels of the image file at `path`: H x W x 3 uint8 RGB, EXIF-oriented (see the top of this file). */
export async function decodeRgb(path: string): Promise<RgbImage> {
  const buffer = await readFile(path);
  try {
    return await decodeRgbBuffer(buffer);
  } catch (error) {
    if (error instanceof ImageDecodeError) throw new ImageDecodeError(`${path}: ${error.reason}`);
    throw error;
  }
}

/** A WebP thumbnail that fits in THUMBNAIL_SIZE px. Decoding for it also proves the file decodes whole
 * (JPEG shrink-on-load still reads every entropy-coded byte, so truncation is caught). */
export async function makeThumbnail(buffer: Buffer, header: ImageHeader): Promise<Thumbnail> {
  try {
    return await thumbnailOf(buffer, header);
  } catch (error) {
    // Shrink-on-load failures can surface as libvips' bare "Unknown error"; a full decode names the cause.
    if (error instanceof ImageDecodeError && /unknown error/i.test(error.reason)) await decodeRgbBuffer(buffer, header);
    throw error;
  }
}

async function thumbnailOf(buffer: Buffer, header: ImageHeader): Promise<Thumbnail> {
  return run(buffer, header, async () => {
    const { data, info } = await pipeline(buffer, header)
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .webp({ quality: 75, effort: 2 })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, mime: 'image/webp' };
  });
}

/** Encodes RGB pixels as PNG. compressionLevel and no adaptive filtering are fixed so the bytes depend only
 * on the pixels (and the bundled libpng/zlib): same seed, same file. */
export async function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}
