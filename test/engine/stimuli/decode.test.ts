// decodeRgb semantics: every supported format to H x W x 3 uint8, as PIL convert('RGB') (grayscale
// replicated, alpha dropped), 16-bit to 8-bit by the high byte, EXIF orientation applied.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeRgb, decodeRgbBuffer, missingEndReason, readHeader } from '../../../src-main/engine/stimuli/decode.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { importDemoStimuli } from '../../../src-main/engine/stimuli/demo.ts';
import { listCategories } from '../../../src-main/engine/storage/stimuli-store.ts';
import { bmp24, grayAlphaPng, pattern, png16 } from './corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeRgb', () => {
  const rgb = pattern(40, 30, 1);
  const raw = { raw: { width: 40, height: 30, channels: 3 as const } };

  it.each([
    ['png', () => sharp(rgb, raw).png().toBuffer()],
    ['webp', () => sharp(rgb, raw).webp({ lossless: true }).toBuffer()],
    ['tiff', () => sharp(rgb, raw).tiff({ compression: 'lzw' }).toBuffer()],
  ])('decodes lossless %s exactly', async (format, make) => {
    const file = join(dir, `x.${format}`);
    writeFileSync(file, await make());
    const image = await decodeRgb(file);
    expect([image.width, image.height]).toEqual([40, 30]);
    expect(image.data.equals(rgb)).toBe(true);
  });

  it('decodes BMP (no sharp loader) exactly', async () => {
    const { file, rgb: expected } = bmp24(33, 21, 3);
    expect((await readHeader(file)).format).toBe('bmp');
    expect((await decodeRgbBuffer(file)).data.equals(expected)).toBe(true);
  });

  it('takes the first frame of an animated GIF', async () => {
    const red = Buffer.alloc(16 * 16 * 3).fill(Buffer.from([255, 0, 0]));
    const blue = Buffer.alloc(16 * 16 * 3).fill(Buffer.from([0, 0, 255]));
    const gif = await sharp(Buffer.concat([red, blue]), { raw: { width: 16, height: 32, channels: 3, pageHeight: 16 } }).gif().toBuffer();
    const image = await decodeRgbBuffer(gif);
    expect([image.width, image.height]).toEqual([16, 16]);
    expect([...image.data.subarray(0, 3)]).toEqual([255, 0, 0]);
  });

  it('replicates grayscale and drops alpha without compositing', async () => {
    const { file, gray } = await grayAlphaPng(20, 10);
    const image = await decodeRgbBuffer(file);
    for (let i = 0; i < gray.length; i++) expect([image.data[i * 3], image.data[i * 3 + 1], image.data[i * 3 + 2]]).toEqual([gray[i], gray[i], gray[i]]);
  });

  it('reduces 16-bit samples to their high byte', async () => {
    const { file, samples } = await png16(12, 9);
    const image = await decodeRgbBuffer(file);
    expect([...image.data]).toEqual([...samples].map((v) => v >> 8));
  });

  it('applies EXIF orientation', async () => {
    const jpeg = await sharp(pattern(40, 20, 2), { raw: { width: 40, height: 20, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeRgbBuffer(jpeg);
    expect([image.width, image.height]).toEqual([20, 40]);
  });
});

// libvips can lose a failure's message to a concurrent decode ("Unknown error"); the bytes still say why.
describe('missingEndReason', () => {
  const raw = { raw: { width: 64, height: 48, channels: 3 as const } };

  it('names a cut-off JPEG or PNG and accepts whole ones, padded or not', async () => {
    const jpeg = await sharp(pattern(64, 48, 4), raw).jpeg({ quality: 90 }).toBuffer();
    const png = await sharp(pattern(64, 48, 5), raw).png().toBuffer();
    expect(missingEndReason(jpeg, 'jpeg')).toBeUndefined();
    expect(missingEndReason(Buffer.concat([jpeg, Buffer.alloc(200)]), 'jpeg')).toBeUndefined();
    expect(missingEndReason(png, 'png')).toBeUndefined();
    expect(missingEndReason(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'jpeg')).toMatch(/truncated.*end-of-image/);
    expect(missingEndReason(png.subarray(0, png.length - 20), 'png')).toMatch(/truncated.*IEND/);
    // other formats are not judged from their bytes
    expect(missingEndReason(Buffer.alloc(10), 'webp')).toBeUndefined();
  });
});

describe('importDemoStimuli', () => {
  it('fills a project with six categories, controls registered, deterministic for a seed', async () => {
    const make = async (name: string) => {
      const project = Project.create(join(dir, `${name}.unitscope`));
      await importDemoStimuli(project, 5, { perCategory: 3 });
      const rows = project.db.prepare('SELECT sha256 FROM images ORDER BY id').all() as { sha256: string }[];
      const categories = listCategories(project.db);
      project.close();
      return { rows, categories };
    };
    const a = await make('a');
    const b = await make('b');
    expect(a.categories).toEqual([
      { name: 'faces', role: 'target', controlsFor: null, images: 3 },
      { name: 'bodies', role: 'target', controlsFor: null, images: 3 },
      { name: 'scenes', role: 'target', controlsFor: null, images: 3 },
      { name: 'words', role: 'target', controlsFor: null, images: 3 },
      { name: 'scrambled_scenes', role: 'control', controlsFor: 'scenes', images: 3 },
      { name: 'scrambled_words', role: 'control', controlsFor: 'words', images: 3 },
    ]);
    expect(a.rows).toEqual(b.rows);
  });
});
