// Preprocessing (docs/method.md#preprocessing): resize (shorter side / exact / none), center crop, /255, normalize, into a
// CHW float32 slot of a batch tensor. Pixels come from the stimuli module's decodeRgb (HWC uint8 RGB).
import type { Preprocessing } from '../../contract/preprocessing.ts';
import { EngineError } from '../errors.ts';
import type { StimulusRef } from '../pipeline-types.ts';
import { decodeRgb } from '../stimuli/decode.ts';
import { resample, type RgbPixels } from './resample.ts';

/** Python's round(): halves to even, as torchvision's center crop offsets use it. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Size after the resize step: torchvision truncates the longer side (int(size * long / short)). */
export function resizedSize(width: number, height: number, p: Preprocessing): [number, number] {
  const [inH, inW] = p.inputSize;
  if (p.resize === 'exact') return [inW, inH];
  if (p.resize === 'none') return width === inW && height === inH ? [width, height] : [inW, inH];
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((p.resizeTo * long) / short);
  return width <= height ? [p.resizeTo, newLong] : [newLong, p.resizeTo];
}

/** Resized and center-cropped (or zero-padded, as torchvision's CenterCrop pads) to the input size. */
export function toInputPixels(image: RgbPixels, p: Preprocessing): RgbPixels {
  const [w, h] = resizedSize(image.width, image.height, p);
  const resized = resample(image, w, h, p.interpolation, p.antialias);
  const [outH, outW] = p.inputSize;
  if (resized.width === outW && resized.height === outH) return resized;
  const top = roundHalfEven((resized.height - outH) / 2);
  const left = roundHalfEven((resized.width - outW) / 2);
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= resized.height) continue;
    for (let x = 0; x < outW; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= resized.width) continue;
      const s = (sy * resized.width + sx) * 3;
      const o = (y * outW + x) * 3;
      out[o] = resized.data[s]!;
      out[o + 1] = resized.data[s + 1]!;
      out[o + 2] = resized.data[s + 2]!;
    }
  }
  return { data: out, width: outW, height: outH };
}

/** Writes the normalized CHW planes of `pixels` (already at the input size) into `out` at `offset`. */
export function writeNormalized(pixels: RgbPixels, p: Preprocessing, out: Float32Array, offset: number): void {
  const plane = pixels.width * pixels.height;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * p.std[c]!);
    const bias = -p.mean[c]! / p.std[c]!;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = pixels.data[i * 3 + c]! * scale + bias;
  }
}

/** Decodes, resizes, crops and normalizes one image file into `out` at `offset` (3 x H x W floats). */
export async function preprocessFile(path: string, p: Preprocessing, out: Float32Array, offset: number): Promise<void> {
  const image = await decodeRgb(path);
  writeNormalized(toInputPixels({ data: image.data, width: image.width, height: image.height }, p), p, out, offset);
}

/**
 * A batch tensor (images x 3 x H x W) of the images, preprocessed. The decodes run in libuv's pool, all
 * started at once, so they proceed while the caller's inference runs elsewhere.
 */
export async function preprocessBatch(images: readonly StimulusRef[], p: Preprocessing): Promise<Float32Array> {
  const plane = 3 * p.inputSize[0] * p.inputSize[1];
  const data = new Float32Array(images.length * plane);
  // allSettled, not all: a failed image must not return while its siblings still hold files open.
  const settled = await Promise.allSettled(images.map((img, b) => preprocessFile(img.path, p, data, b * plane)));
  const failed = settled.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) {
    const img = images[failed]!;
    const error = (settled[failed] as PromiseRejectedResult).reason as unknown;
    throw new EngineError('bad_input', `${img.path}: cannot read the image (${(error as Error).message})`, { file: img.path, cause: error });
  }
  return data;
}
