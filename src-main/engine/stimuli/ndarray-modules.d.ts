// ndarray and ndarray-fft ship no types; only the parts the scrambler uses are declared.
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
