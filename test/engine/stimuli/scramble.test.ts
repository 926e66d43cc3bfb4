// Scrambles: phase scrambling keeps every image's amplitude spectrum and destroys its phase; block
// scrambling keeps the multiset of tiles; both give the same bytes for the same seed.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ndarray from 'ndarray';
import fft from 'ndarray-fft';
import { createRng } from '../../../src-main/engine/random.ts';
import { blockScramble, phaseNoise, phaseScramble, phaseScramblePlanes, type PhaseMode } from '../../../src-main/engine/stimuli/scramble.ts';
import { encodePng, type RgbImage } from '../../../src-main/engine/stimuli/decode.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { importStimuli } from '../../../src-main/engine/stimuli/import.ts';
import { scrambleCategory } from '../../../src-main/engine/stimuli/scramble-category.ts';
import { listCategories } from '../../../src-main/engine/storage/stimuli-store.ts';
import { writeJpeg } from './corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-scramble-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A smooth, structured image (blobs and edges), so its phase carries real structure. */
function structured(width: number, height: number): RgbImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 128 + 60 * Math.sin(x / 5) * Math.cos(y / 7) + (x > width / 2 ? 40 : -40);
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v + c * 10)));
    }
  }
  return { data, width, height };
}

function spectrum(plane: Float64Array, width: number, height: number): { re: Float64Array; im: Float64Array } {
  const re = Float64Array.from(plane);
  const im = new Float64Array(plane.length);
  fft(1, ndarray(re, [height, width]), ndarray(im, [height, width]));
  return { re, im };
}

function channel(image: RgbImage, c: number): Float64Array {
  const out = new Float64Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i * 3 + c]!;
  return out;
}

describe('the FFT library', () => {
  it('matches a direct DFT on a non power-of-two size', () => {
    const [H, W] = [6, 10];
    const x = Float64Array.from({ length: H * W }, (_, i) => Math.sin(i * 1.3) + (i % 7));
    const { re, im } = spectrum(x, W, H);
    let err = 0;
    for (let u = 0; u < H; u++) {
      for (let v = 0; v < W; v++) {
        let sr = 0;
        let si = 0;
        for (let a = 0; a < H; a++) {
          for (let b = 0; b < W; b++) {
            const angle = 2 * Math.PI * ((u * a) / H + (v * b) / W); // ndarray-fft's forward sign is +
            sr += x[a * W + b]! * Math.cos(angle);
            si += x[a * W + b]! * Math.sin(angle);
          }
        }
        err = Math.max(err, Math.abs(sr - re[u * W + v]!), Math.abs(si - im[u * W + v]!));
      }
    }
    expect(err).toBeLessThan(1e-9);
  });
});

describe('phase scrambling', () => {
  const image = structured(46, 38);

  it.each(['channels', 'luminance'] as const)('keeps the amplitude spectrum and randomises the phase (%s)', (mode) => {
    const planes = phaseScramblePlanes(image, mode, createRng(3));
    const inputs = mode === 'channels' ? [0, 1, 2].map((c) => channel(image, c)) : [(() => {
      const y = new Float64Array(image.width * image.height);
      for (let i = 0; i < y.length; i++) y[i] = 0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!;
      return y;
    })()];
    expect(planes).toHaveLength(inputs.length);
    planes.forEach((plane, c) => {
      const a = spectrum(inputs[c]!, image.width, image.height);
      const b = spectrum(plane, image.width, image.height);
      let worst = 0;
      let phaseAgreement = 0;
      for (let i = 0; i < a.re.length; i++) {
        const ma = Math.hypot(a.re[i]!, a.im[i]!);
        const mb = Math.hypot(b.re[i]!, b.im[i]!);
        worst = Math.max(worst, Math.abs(ma - mb) / Math.max(1, ma));
        if (i > 0 && ma > 1e-6) phaseAgreement += Math.cos(Math.atan2(a.im[i]!, a.re[i]!) - Math.atan2(b.im[i]!, b.re[i]!));
      }
      expect(worst).toBeLessThan(1e-9);
      // mean cos of the phase difference: 1 for an intact phase, about 0 for a random one
      expect(Math.abs(phaseAgreement / (a.re.length - 1))).toBeLessThan(0.1);
      // the mean (DC) is kept exactly
      expect(b.re[0]!).toBeCloseTo(a.re[0]!, 6);
    });
  });

  it('gives the same bytes for the same seed and different bytes for another', async () => {
    const one = await encodePng(phaseScramble(image, 'channels', createRng(11)));
    const two = await encodePng(phaseScramble(image, 'channels', createRng(11)));
    const other = await encodePng(phaseScramble(image, 'channels', createRng(12)));
    expect(one.equals(two)).toBe(true);
    expect(one.equals(other)).toBe(false);
  });
});

describe('phase scrambling against numpy.fft', () => {
  // test/fixtures/scramble/make_cases.ts + make_reference.py: the app's noise for each seed, scrambled by
  // numpy (rfft2 / irfft2) from the same images.
  const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/scramble/phase-numpy.json', import.meta.url)), 'utf8')) as {
    cases: { width: number; height: number; mode: PhaseMode; seed: number; pixels: string; noise: string; numpy: string[] }[];
  };
  const f64 = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  it.each(fixture.cases.map((c) => [`${c.width}x${c.height} ${c.mode}`, c] as const))('%s: same noise, same planes to 1e-5', (_name, c) => {
    const image: RgbImage = { data: Buffer.from(c.pixels, 'base64'), width: c.width, height: c.height };
    expect(Buffer.from(phaseNoise(c.width, c.height, createRng(c.seed)).buffer).equals(Buffer.from(f64(c.noise).buffer))).toBe(true);
    const planes = phaseScramblePlanes(image, c.mode, createRng(c.seed));
    expect(planes).toHaveLength(c.numpy.length);
    planes.forEach((plane, i) => {
      const reference = f64(c.numpy[i]!);
      let worst = 0;
      for (let j = 0; j < reference.length; j++) worst = Math.max(worst, Math.abs(plane[j]! - reference[j]!));
      expect(worst).toBeLessThan(1e-5);
    });
  });
});

describe('block scrambling', () => {
  const image = structured(48, 40);
  const tiles = (img: RgbImage, grid: number) => {
    const tw = img.width / grid;
    const th = img.height / grid;
    const out: string[] = [];
    for (let ty = 0; ty < grid; ty++) {
      for (let tx = 0; tx < grid; tx++) {
        const rows: string[] = [];
        for (let y = 0; y < th; y++) rows.push(img.data.subarray(((ty * th + y) * img.width + tx * tw) * 3, ((ty * th + y) * img.width + (tx + 1) * tw) * 3).toString('hex'));
        out.push(rows.join('/'));
      }
    }
    return out;
  };

  it('keeps the multiset of tiles and moves them', () => {
    const scrambled = blockScramble(image, 4, createRng(5));
    expect(tiles(scrambled, 4).sort()).toEqual(tiles(image, 4).sort());
    expect(tiles(scrambled, 4)).not.toEqual(tiles(image, 4));
  });

  it('leaves the remainder that fills no whole tile in place', () => {
    const odd = structured(50, 43);
    const scrambled = blockScramble(odd, 4, createRng(5));
    for (let y = 0; y < 43; y++) {
      for (const x of [48, 49]) expect(scrambled.data[(y * 50 + x) * 3]).toBe(odd.data[(y * 50 + x) * 3]);
    }
  });

  it('is reproducible for a seed', () => {
    expect(blockScramble(image, 4, createRng(9)).data.equals(blockScramble(image, 4, createRng(9)).data)).toBe(true);
    expect(blockScramble(image, 4, createRng(9)).data.equals(blockScramble(image, 4, createRng(10)).data)).toBe(false);
  });
});

describe('scrambleCategory', () => {
  it('writes PNGs in the project folder, registers a control and repeats byte for byte', async () => {
    const src = join(dir, 'set');
    for (let i = 0; i < 10; i++) await writeJpeg(join(src, 'scenes', `s${i}.jpg`), i, 64);
    const make = async (name: string) => {
      const project = Project.create(join(dir, `${name}.unitscope`));
      await importStimuli(project, src);
      const result = await scrambleCategory(project, { from: 'scenes', as: 'scrambled_scenes', method: 'phase', seed: 4 });
      const categories = listCategories(project.db);
      const folder = join(project.filesDir, 'stimuli', 'scrambled_scenes');
      const files = readdirSync(folder).sort().map((f) => readFileSync(join(folder, f)));
      project.close();
      return { result, categories, files };
    };
    const a = await make('a');
    const b = await make('b');
    expect(a.result).toMatchObject({ images: 10, method: 'phase', category: 'scrambled_scenes' });
    expect(a.categories.find((c) => c.name === 'scrambled_scenes')).toEqual({ name: 'scrambled_scenes', role: 'control', controlsFor: 'scenes', images: 10 });
    expect(a.files).toHaveLength(10);
    a.files.forEach((file, i) => expect(file.equals(b.files[i]!)).toBe(true));
  });

  it('names the image a worker cannot scramble and leaves no half-made category', async () => {
    const src = join(dir, 'small-set');
    for (let i = 0; i < 3; i++) await writeJpeg(join(src, 'words', `w${i}.jpg`), i, i === 1 ? 6 : 64);
    const project = Project.create(join(dir, 'small.unitscope'));
    try {
      await importStimuli(project, src);
      const error = await scrambleCategory(project, { from: 'words', as: 'scrambled_words', method: 'block', grid: 8, seed: 1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'bad_input', file: expect.stringMatching(/w1\.jpg$/) });
      expect((error as Error).message).toMatch(/w1\.jpg: cannot scramble it \(image 6x6 is too small for a 8x8 grid\)/);
      expect(readdirSync(join(project.filesDir, 'stimuli'))).not.toContain('scrambled_words');
      expect(listCategories(project.db).map((c) => c.name)).toEqual(['words']);
    } finally {
      project.close();
    }
  });
});
