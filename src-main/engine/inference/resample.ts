// Image resampling as PIL's Image.resize does it (torchvision's Resize on PIL images): separable
// convolution with the filter widened by the downscale factor when antialiasing, horizontal pass first,
// results rounded and clipped to 8 bits after each pass. Pretrained models were trained on exactly that.
import type { Preprocessing } from '../../contract/preprocessing.ts';

export interface RgbPixels {
  /** H x W x 3 uint8, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

type Filter = { support: number; weight: (x: number) => number };

const FILTERS: Record<Preprocessing['interpolation'], Filter> = {
  nearest: { support: 0.5, weight: (x) => (x >= -0.5 && x < 0.5 ? 1 : 0) },
  bilinear: { support: 1, weight: (x) => (x < 0 ? (x > -1 ? 1 + x : 0) : x < 1 ? 1 - x : 0) },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

interface Coefficients {
  starts: Int32Array;
  sizes: Int32Array;
  kernel: Float64Array;
  kernelSize: number;
}

function coefficients(inSize: number, outSize: number, filter: Filter, antialias: boolean): Coefficients {
  const scale = inSize / outSize;
  const filterScale = antialias ? Math.max(scale, 1) : 1;
  const support = filter.support * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const sizes = new Int32Array(outSize);
  const kernel = new Float64Array(outSize * kernelSize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) / filterScale);
      kernel[xx * kernelSize + x] = w;
      total += w;
    }
    if (total !== 0) for (let x = 0; x < xmax; x++) kernel[xx * kernelSize + x]! /= total;
    starts[xx] = xmin;
    sizes[xx] = xmax;
  }
  return { starts, sizes, kernel, kernelSize };
}

const clip8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

function resizeHorizontal(src: RgbPixels, outWidth: number, c: Coefficients): RgbPixels {
  const { width, height, data } = src;
  const out = new Uint8Array(outWidth * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const start = c.starts[xx]!;
      const size = c.sizes[xx]!;
      const k = xx * c.kernelSize;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let x = 0; x < size; x++) {
        const w = c.kernel[k + x]!;
        const p = row + (start + x) * 3;
        r += data[p]! * w;
        g += data[p + 1]! * w;
        b += data[p + 2]! * w;
      }
      const o = (y * outWidth + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { data: out, width: outWidth, height };
}

function resizeVertical(src: RgbPixels, outHeight: number, c: Coefficients): RgbPixels {
  const { width, data } = src;
  const out = new Uint8Array(width * outHeight * 3);
  const stride = width * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const start = c.starts[yy]!;
    const size = c.sizes[yy]!;
    const k = yy * c.kernelSize;
    const o = yy * stride;
    for (let i = 0; i < stride; i++) {
      let v = 0;
      for (let y = 0; y < size; y++) v += data[(start + y) * stride + i]! * c.kernel[k + y]!;
      out[o + i] = clip8(v);
    }
  }
  return { data: out, width, height: outHeight };
}

export function resample(src: RgbPixels, width: number, height: number, interpolation: Preprocessing['interpolation'], antialias: boolean): RgbPixels {
  const filter = FILTERS[interpolation];
  let image = src;
  if (width !== image.width) image = resizeHorizontal(image, width, coefficients(image.width, width, filter, antialias));
  if (height !== image.height) image = resizeVertical(image, height, coefficients(image.height, height, filter, antialias));
  return image;
}
