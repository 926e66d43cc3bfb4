// Scrambled controls: the low-level statistics of a category without its structure.
// - Block scrambling: an N x N grid of tiles, permuted. Tiles are floor(W/N) x floor(H/N) px; the few
//   rightmost columns and bottom rows that do not fill a whole tile stay where they are.
// - Fourier phase scrambling: every frequency keeps its amplitude; its phase gets a random offset taken
//   from the spectrum of a white-noise image, which is Hermitian-symmetric, so the result is real. One
//   offset field is added to all three channels (colour relations survive) or to the luminance only.
//   The transforms are real 2-D DFTs in float64 (fft2d.ts); before they replaced ndarray-fft's complex
//   ones the output differed from today's by rounding only (no 8-bit pixel of the tested images changed).
// Randomness comes from a seeded stream per image (seed + the image's sha256): same seed, same bytes.
import { createRng, type Rng } from '../random.ts';
import type { RgbImage } from './decode.ts';
import { multiplyComplex, RealDft2d } from './fft2d.ts';

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

/** Planar float64 channels of an image (or one luminance plane, Rec. 601 weights). A grayscale image's
 * three identical channels come back as one plane used three times (same values, a third of the work). */
function planes(image: RgbImage, mode: PhaseMode): Float64Array[] {
  const n = image.width * image.height;
  const { data } = image;
  if (mode === 'luminance') {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
    return [y];
  }
  let gray = true;
  for (let i = 0; i < n && gray; i++) gray = data[i * 3] === data[i * 3 + 1] && data[i * 3] === data[i * 3 + 2];
  if (gray) {
    const plane = new Float64Array(n);
    for (let i = 0; i < n; i++) plane[i] = data[i * 3]!;
    return [plane, plane, plane];
  }
  return [0, 1, 2].map((c) => {
    const plane = new Float64Array(n);
    for (let i = 0; i < n; i++) plane[i] = data[i * 3 + c]!;
    return plane;
  });
}

/** The white-noise image (H x W standard normals, row-major, drawn in that order from the image's
 * stream) whose spectrum phase becomes the scramble's phase offsets. */
export function phaseNoise(width: number, height: number, rng: Rng): Float64Array {
  const noise = new Float64Array(width * height);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
  return noise;
}

/** The phase offsets as (cos, sin) over the half spectrum: the phase of the noise's spectrum, with the
 * DC term left at zero so the mean brightness is kept (a zero-magnitude term gets phase 0, as numpy's
 * angle gives). Written into `phase`. */
function phaseOffsets(noise: Float64Array, dft: RealDft2d, phase: Float64Array): void {
  dft.forward(noise, phase);
  for (let i = 0; i < phase.length; i += 2) {
    const re = phase[i]!;
    const im = phase[i + 1]!;
    const magnitude = Math.hypot(re, im);
    phase[i] = magnitude > 0 ? re / magnitude : 1;
    phase[i + 1] = magnitude > 0 ? im / magnitude : 0;
  }
  phase[0] = 1;
  phase[1] = 0;
}

/** The transforms and half-spectrum buffers of one image size, kept for the next image of that size (a
 * scramble worker sees hundreds of 1024 x 1024 images; 16 MB of buffers each would be garbage). */
interface Workspace {
  dft: RealDft2d;
  phase: Float64Array;
  spectrum: Float64Array;
}

const workspaces = new Map<string, Workspace>();

function workspaceFor(width: number, height: number): Workspace {
  const key = `${width}x${height}`;
  let space = workspaces.get(key);
  if (!space) {
    if (workspaces.size >= 4) workspaces.clear();
    const dft = new RealDft2d(height, width);
    space = { dft, phase: dft.spectrum(), spectrum: dft.spectrum() };
    workspaces.set(key, space);
  }
  return space;
}

/**
 * Phase-scrambled planes before rounding: each plane's amplitude spectrum equals the input's. With
 * numpy: irfft2(rfft2(plane) * exp(1j * angle(rfft2(noise))), s = plane.shape), DC phase 0 (the
 * half spectrum suffices: the input and the offsets are both Hermitian, so the result is real).
 * `noise` defaults to phaseNoise(width, height, rng).
 */
export function phaseScramblePlanes(image: RgbImage, mode: PhaseMode, rng: Rng, noise?: Float64Array): Float64Array[] {
  const { width, height } = image;
  const { dft, phase, spectrum } = workspaceFor(width, height);
  phaseOffsets(noise ?? phaseNoise(width, height, rng), dft, phase);
  const done = new Map<Float64Array, Float64Array>();
  return planes(image, mode).map((plane) => {
    const previous = done.get(plane);
    if (previous) return previous;
    dft.forward(plane, spectrum);
    multiplyComplex(spectrum, phase, spectrum, spectrum.length / 2);
    // The input plane is not needed any more: the result goes in its place.
    dft.inverse(spectrum, plane);
    done.set(plane, plane);
    return plane;
  });
}

/** A value before rounding as an 8-bit sample (Math.round: halves go up). */
function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

export function phaseScramble(image: RgbImage, mode: PhaseMode, rng: Rng): RgbImage {
  const result = phaseScramblePlanes(image, mode, rng);
  const [r, g, b] = mode === 'luminance' ? [result[0]!, result[0]!, result[0]!] : (result as [Float64Array, Float64Array, Float64Array]);
  const n = image.width * image.height;
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = toByte(r[i]!);
    out[i * 3 + 1] = toByte(g[i]!);
    out[i * 3 + 2] = toByte(b[i]!);
  }
  return { data: out, width: image.width, height: image.height };
}

/** One image to scramble, as it crosses to a scramble worker (scramble-worker.ts). */
export interface ScrambleTask {
  /** H x W x 3 uint8 RGB. */
  data: Uint8Array;
  width: number;
  height: number;
  method: 'block' | 'phase';
  grid: number;
  phaseMode: PhaseMode;
  /** The image's own stream: deriveSeed(seed, sha256), so the bytes do not depend on which worker ran it. */
  seed: number;
}

/** The scrambled pixels of a task, in a buffer of their own (so they can be moved, not copied, back). */
export function scrambleTask(task: ScrambleTask): Uint8Array {
  const image: RgbImage = { data: Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength), width: task.width, height: task.height };
  const rng = createRng(task.seed);
  const scrambled = task.method === 'block' ? blockScramble(image, task.grid, rng) : phaseScramble(image, task.phaseMode, rng);
  const out = new Uint8Array(scrambled.data.length);
  out.set(scrambled.data);
  return out;
}
