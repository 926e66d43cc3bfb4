// Scrambled controls: the low-level statistics of a category without its structure.
// - Block scrambling: an N x N grid of tiles, permuted. Tiles are floor(W/N) x floor(H/N) px; the few
//   rightmost columns and bottom rows that do not fill a whole tile stay where they are.
// - Fourier phase scrambling: every frequency keeps its amplitude; its phase gets a random offset taken
//   from the spectrum of a white-noise image, which is Hermitian-symmetric, so the result is real. One
//   offset field is added to all three channels (colour relations survive) or to the luminance only.
// Randomness comes from a seeded stream per image (seed + the image's sha256): same seed, same bytes.
import ndarray from 'ndarray';
import fft from 'ndarray-fft';
import type { Rng } from '../random.ts';
import type { RgbImage } from './decode.ts';

export type PhaseMode = 'channels' | 'luminance';

export function blockScramble(image: RgbImage, grid: number, rng: Rng): RgbImage {
  const { width, height, data } = image;
  if (!Number.isInteger(grid) || grid < 2) throw new RangeError(`block scrambling needs a grid of at least 2, got ${grid}`);
  const tileW = Math.floor(width / grid);
  const tileH = Math.floor(height / grid);
  if (tileW < 1 || tileH < 1) throw new RangeError(`image ${width}x${height} is too small for a ${grid}x${grid} grid`);
  const order = rng.shuffle(Array.from({ length: grid * grid }, (_, i) => i));
  const out = Buffer.from(data);
  const rowBytes = tileW * 3;
  for (let target = 0; target < order.length; target++) {
    const source = order[target]!;
    const tx = (target % grid) * tileW;
    const ty = Math.floor(target / grid) * tileH;
    const sx = (source % grid) * tileW;
    const sy = Math.floor(source / grid) * tileH;
    for (let y = 0; y < tileH; y++) {
      const from = ((sy + y) * width + sx) * 3;
      data.copy(out, ((ty + y) * width + tx) * 3, from, from + rowBytes);
    }
  }
  return { data: out, width, height };
}

/** Planar float64 channels of an image (or one luminance plane, Rec. 601 weights). */
function planes(image: RgbImage, mode: PhaseMode): Float64Array[] {
  const n = image.width * image.height;
  const { data } = image;
  if (mode === 'luminance') {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
    return [y];
  }
  return [0, 1, 2].map((c) => {
    const plane = new Float64Array(n);
    for (let i = 0; i < n; i++) plane[i] = data[i * 3 + c]!;
    return plane;
  });
}

/** The phase offsets: the spectrum phase of a white-noise image, with the DC term left at zero so the
 * mean brightness is kept. Returned as (cos, sin) pairs. */
function randomPhase(width: number, height: number, rng: Rng): { cos: Float64Array; sin: Float64Array } {
  const n = width * height;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = rng.normal();
  fft(1, ndarray(re, [height, width]), ndarray(im, [height, width]));
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const magnitude = Math.hypot(re[i]!, im[i]!);
    cos[i] = magnitude > 0 ? re[i]! / magnitude : 1;
    sin[i] = magnitude > 0 ? im[i]! / magnitude : 0;
  }
  cos[0] = 1;
  sin[0] = 0;
  return { cos, sin };
}

/** Phase-scrambled planes before rounding: each plane's amplitude spectrum equals the input's. */
export function phaseScramblePlanes(image: RgbImage, mode: PhaseMode, rng: Rng): Float64Array[] {
  const { width, height } = image;
  const phase = randomPhase(width, height, rng);
  return planes(image, mode).map((re) => {
    const im = new Float64Array(re.length);
    const x = ndarray(re, [height, width]);
    const y = ndarray(im, [height, width]);
    fft(1, x, y);
    for (let i = 0; i < re.length; i++) {
      const a = re[i]!;
      const b = im[i]!;
      re[i] = a * phase.cos[i]! - b * phase.sin[i]!;
      im[i] = a * phase.sin[i]! + b * phase.cos[i]!;
    }
    fft(-1, x, y);
    return re; // the imaginary part is rounding noise: the offsets are Hermitian-antisymmetric
  });
}

export function phaseScramble(image: RgbImage, mode: PhaseMode, rng: Rng): RgbImage {
  const result = phaseScramblePlanes(image, mode, rng);
  const n = image.width * image.height;
  const out = Buffer.alloc(n * 3);
  const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = clamp(result[mode === 'luminance' ? 0 : c]![i]!);
  }
  return { data: out, width: image.width, height: image.height };
}
