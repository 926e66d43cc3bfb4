// ndarray, ndarray-fft and fft.js ship no types; only the parts the scrambler (and its tests) use are declared.
declare module 'ndarray' {
  export interface NdArray {
    data: Float64Array;
    shape: number[];
  }
  export default function ndarray(data: Float64Array, shape: number[]): NdArray;
}

declare module 'ndarray-fft' {
  import type { NdArray } from 'ndarray';
  /** In place over all axes. dir 1: sum x e^{+2 pi i k n / N}, unscaled; dir -1: (1/N) sum x e^{-2 pi i k n / N}. */
  export default function fft(dir: 1 | -1, real: NdArray, imag: NdArray): void;
}

declare module 'fft.js' {
  /** Radix-4 complex FFT of a power-of-two size > 1 on interleaved (re, im) arrays; input and output must differ. */
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    /** Forward, e^{-2 pi i k n / N}, unscaled. */
    transform(out: Float64Array, data: Float64Array): void;
    /** Inverse, e^{+2 pi i k n / N}, divided by N. */
    inverseTransform(out: Float64Array, data: Float64Array): void;
  }
}
