// Generates image files for the stimuli tests at run time: good images in every supported format and a
// corpus of bad ones (truncated, mislabelled, empty, oversized header, symlink loop...).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { encode as encodeBmp } from 'bmp-ts';

/** A deterministic RGB test pattern whose pixels differ by index so duplicates only arise on purpose. */
export function pattern(width: number, height: number, index: number, channels = 3): Buffer {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = (x * (3 + c) + y * (5 + index) + index * 37 + c * 71) & 0xff;
      }
    }
  }
  return data;
}

export async function writeJpeg(path: string, index: number, size = 96): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await sharp(pattern(size, size, index), { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}

export async function writePng(path: string, index: number, size = 96): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await sharp(pattern(size, size, index), { raw: { width: size, height: size, channels: 3 } }).png().toFile(path);
}

/** A PNG with a valid IHDR that claims width x height and no pixel data at all. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IEND', Buffer.alloc(0))]);
}

export async function png16(width: number, height: number): Promise<{ file: Buffer; samples: Uint16Array }> {
  const samples = new Uint16Array(width * height * 3);
  for (let i = 0; i < samples.length; i++) samples[i] = (i * 2557 + 12345) % 65536;
  // A Uint16Array input tells sharp the raw samples are 16-bit.
  const file = await sharp(samples, { raw: { width, height, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  return { file, samples };
}

export async function cmykJpeg(size: number): Promise<Buffer> {
  return sharp(pattern(size, size, 7), { raw: { width: size, height: size, channels: 3 } }).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
}

export async function grayAlphaPng(width: number, height: number): Promise<{ file: Buffer; gray: Buffer }> {
  const raw = Buffer.alloc(width * height * 2);
  const gray = Buffer.alloc(width * height);
  for (let i = 0; i < width * height; i++) {
    gray[i] = (i * 7) & 0xff;
    raw[i * 2] = gray[i]!;
    raw[i * 2 + 1] = (i * 13) & 0xff; // alpha varies, so compositing would show
  }
  const file = await sharp(raw, { raw: { width, height, channels: 2 } }).toColourspace('b-w').png().toBuffer();
  return { file, gray };
}

export function bmp24(width: number, height: number, index: number): { file: Buffer; rgb: Buffer } {
  const rgb = pattern(width, height, index);
  // bmp-ts encodes from ABGR quads.
  const abgr = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    abgr[i * 4] = 0xff;
    abgr[i * 4 + 1] = rgb[i * 3 + 2]!;
    abgr[i * 4 + 2] = rgb[i * 3 + 1]!;
    abgr[i * 4 + 3] = rgb[i * 3]!;
  }
  const file = encodeBmp({ data: abgr, width, height, bitPP: 24 }).data;
  return { file, rgb };
}

export interface BadCorpus {
  root: string;
  /** File (relative to root) -> a fragment its problem reason must contain. */
  expectedProblems: Record<string, RegExp>;
  /** Files (relative to root) that must be imported. */
  good: string[];
}

/** A folder-per-category tree: faces/ and scenes/ with 12 good images each plus the bad corpus. */
export async function makeBadCorpus(root: string): Promise<BadCorpus> {
  const good: string[] = [];
  for (let i = 0; i < 11; i++) {
    const rel = `faces/face ${i}.jpg`;
    await writeJpeg(join(root, rel), i);
    good.push(rel);
  }
  for (let i = 0; i < 11; i++) {
    const rel = `scenes/scène-${i}.png`;
    await writePng(join(root, rel), 100 + i);
    good.push(rel);
  }
  // unicode and spaces in names
  await writeJpeg(join(root, 'faces/visage été 顔.jpg'), 50);
  good.push('faces/visage été 顔.jpg');
  // nested folder inside a category
  await writeJpeg(join(root, 'scenes/indoor/room 1.jpg'), 51);
  good.push('scenes/indoor/room 1.jpg');

  const sixteen = await png16(80, 70);
  writeFileSync(join(root, 'scenes/sixteen-bit.png'), sixteen.file);
  good.push('scenes/sixteen-bit.png');
  writeFileSync(join(root, 'faces/cmyk.jpg'), await cmykJpeg(90));
  good.push('faces/cmyk.jpg');
  writeFileSync(join(root, 'faces/gray-alpha.png'), (await grayAlphaPng(72, 72)).file);
  good.push('faces/gray-alpha.png');

  const whole = await sharp(pattern(200, 200, 9), { raw: { width: 200, height: 200, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
  writeFileSync(join(root, 'faces/truncated.jpg'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  writeFileSync(join(root, 'faces/notes.png'), 'these are my notes, not an image\n');
  writeFileSync(join(root, 'scenes/empty.jpg'), Buffer.alloc(0));
  writeFileSync(join(root, 'scenes/huge.png'), pngHeaderOnly(50000, 50000));
  symlinkSync('..', join(root, 'scenes/loop'));

  return {
    root,
    good,
    expectedProblems: {
      'faces/truncated.jpg': /truncated|premature|corrupt/i,
      'faces/notes.png': /not an image/i,
      'scenes/empty.jpg': /empty file/i,
      'scenes/huge.png': /50000x50000.*100 megapixel/i,
      'scenes/loop': /symlink loop/i,
    },
  };
}
