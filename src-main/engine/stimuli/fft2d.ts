// Real two-dimensional DFTs for phase scrambling, in float64, on fft.js (radix-4, the fastest
// maintained float64 FFT for JavaScript; the WebAssembly FFTs on npm are float32, whose ~1e-4 errors on
// a 1024 x 1024 image would change 8-bit pixels). Conventions are numpy.fft's: forward
// X[k] = sum x[n] e^{-2 pi i k n / N}, inverse with 1/N; the real transforms keep the half spectrum
// H x (floor(W / 2) + 1) as numpy.fft.rfft2 / irfft2 do.
// - Any length: powers of two go straight to fft.js; other lengths through Bluestein's chirp-z
//   transform on a power-of-two fft.js of at least 2N - 1 points.
// - Real rows are transformed two at a time as one complex row (x + i y), then separated by symmetry,
//   so the row pass costs half a complex pass; the inverse packs two Hermitian rows the same way.
import FFT from 'fft.js';

/** Columns gathered together by the column pass (8 complex values = two 64-byte cache lines per row). */
const BLOCK = 8;

/** A complex DFT of one length on interleaved (re, im) Float64Arrays. */
export class ComplexDft {
  private readonly direct: FFT | null;
  private readonly bluestein: { fft: FFT; chirp: Float64Array; kernel: Float64Array; a: Float64Array; b: Float64Array } | null;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`DFT length must be a positive integer, got ${n}`);
    const powerOfTwo = (n & (n - 1)) === 0;
    this.direct = powerOfTwo && n > 1 ? new FFT(n) : null;
    this.bluestein = !powerOfTwo ? chirpZ(n) : null;
  }

  /** output = DFT(input); the two must differ. */
  forward(input: Float64Array, output: Float64Array): void {
    if (this.direct) this.direct.transform(output, input);
    else if (this.bluestein) this.chirpTransform(input, output);
    else output.set(input.subarray(0, 2));
  }

  /** output = inverse DFT(input) (with 1/N); the two must differ. */
  inverse(input: Float64Array, output: Float64Array): void {
    if (this.direct) {
      this.direct.inverseTransform(output, input);
      return;
    }
    // x = conj(DFT(conj(X))) / N
    const n = this.n;
    for (let i = 0; i < 2 * n; i += 2) {
      output[i] = input[i]!;
      output[i + 1] = -input[i + 1]!;
    }
    if (this.bluestein) {
      const conj = Float64Array.from(output.subarray(0, 2 * n));
      this.chirpTransform(conj, output);
    }
    for (let i = 0; i < 2 * n; i += 2) {
      output[i] = output[i]! / n;
      output[i + 1] = -output[i + 1]! / n;
    }
  }

  private chirpTransform(input: Float64Array, output: Float64Array): void {
    const { fft, chirp, kernel, a, b } = this.bluestein!;
    const n = this.n;
    a.fill(0);
    multiplyComplex(input, chirp, a, n);
    fft.transform(b, a);
    multiplyComplex(b, kernel, b, b.length / 2);
    fft.inverseTransform(a, b);
    multiplyComplex(a, chirp, output, n);
  }
}

/** out[k] = x[k] * y[k] for the first `count` interleaved complex values; out may be x or y. */
export function multiplyComplex(x: Float64Array, y: Float64Array, out: Float64Array, count: number): void {
  for (let i = 0; i < 2 * count; i += 2) {
    const xr = x[i]!;
    const xi = x[i + 1]!;
    const yr = y[i]!;
    const yi = y[i + 1]!;
    out[i] = xr * yr - xi * yi;
    out[i + 1] = xr * yi + xi * yr;
  }
}

/** Bluestein: X_k = w_k sum_j (x_j w_j) conj(w_{k-j}), w_j = e^{-i pi j^2 / n}, the sum a circular convolution. */
function chirpZ(n: number) {
  let m = 2;
  while (m < 2 * n - 1) m *= 2;
  const chirp = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    // j^2 mod 2n keeps the angle small and exact.
    const angle = (Math.PI * ((j * j) % (2 * n))) / n;
    chirp[2 * j] = Math.cos(angle);
    chirp[2 * j + 1] = -Math.sin(angle);
  }
  const fft = new FFT(m);
  const taps = new Float64Array(2 * m);
  for (let j = 0; j < n; j++) {
    taps[2 * j] = chirp[2 * j]!;
    taps[2 * j + 1] = -chirp[2 * j + 1]!;
    if (j > 0) {
      taps[2 * (m - j)] = chirp[2 * j]!;
      taps[2 * (m - j) + 1] = -chirp[2 * j + 1]!;
    }
  }
  const kernel = new Float64Array(2 * m);
  fft.transform(kernel, taps);
  return { fft, chirp, kernel, a: new Float64Array(2 * m), b: new Float64Array(2 * m) };
}

/** Real 2-D DFTs of H x W planes (row-major) to and from the half spectrum H x (floor(W / 2) + 1). */
export class RealDft2d {
  readonly columns: number;
  private readonly rows: ComplexDft;
  private readonly cols: ComplexDft;
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly colOut: Float64Array;
  private readonly block: Float64Array;

  constructor(
    readonly height: number,
    readonly width: number,
  ) {
    this.columns = Math.floor(width / 2) + 1;
    this.rows = new ComplexDft(width);
    this.cols = new ComplexDft(height);
    this.rowIn = new Float64Array(2 * width);
    this.rowOut = new Float64Array(2 * width);
    this.colOut = new Float64Array(2 * height);
    this.block = new Float64Array(2 * height * BLOCK);
  }

  /** A half spectrum of this size: H x columns interleaved complex values. */
  spectrum(): Float64Array {
    return new Float64Array(2 * this.height * this.columns);
  }

  /** spectrum = rfft2(plane). */
  forward(plane: Float64Array, spectrum: Float64Array): void {
    const { width: W, height: H, columns: C, rowIn, rowOut } = this;
    for (let y = 0; y < H; y += 2) {
      const pair = y + 1 < H;
      for (let x = 0; x < W; x++) {
        rowIn[2 * x] = plane[y * W + x]!;
        rowIn[2 * x + 1] = pair ? plane[(y + 1) * W + x]! : 0;
      }
      this.rows.forward(rowIn, rowOut);
      // z = a + i b with a, b real: A_k = (Z_k + conj Z_{-k}) / 2, B_k = (Z_k - conj Z_{-k}) / 2i.
      const a = 2 * y * C;
      const b = a + 2 * C;
      for (let k = 0; k < C; k++) {
        const r = k === 0 ? 0 : W - k;
        const zr = rowOut[2 * k]!;
        const zi = rowOut[2 * k + 1]!;
        const cr = rowOut[2 * r]!;
        const ci = -rowOut[2 * r + 1]!;
        spectrum[a + 2 * k] = (zr + cr) / 2;
        spectrum[a + 2 * k + 1] = (zi + ci) / 2;
        if (pair) {
          spectrum[b + 2 * k] = (zi - ci) / 2;
          spectrum[b + 2 * k + 1] = -(zr - cr) / 2;
        }
      }
    }
    this.columnPass(spectrum, false);
  }

  /** plane = irfft2(spectrum, s = (H, W)); the spectrum is overwritten. */
  inverse(spectrum: Float64Array, plane: Float64Array): void {
    const { width: W, height: H, columns: C, rowIn, rowOut } = this;
    this.columnPass(spectrum, true);
    const even = W % 2 === 0;
    for (let y = 0; y < H; y += 2) {
      const pair = y + 1 < H;
      const a = 2 * y * C;
      const b = a + 2 * C;
      // Z = A + i B over the whole row, A and B completed by Hermitian symmetry (Z_k for k >= C from
      // conj A_{W-k} and conj B_{W-k}); the DC (and even-W Nyquist) terms of a real row are real, so
      // their imaginary parts are dropped, as irfft does.
      for (let k = 0; k < C; k++) {
        const ar = spectrum[a + 2 * k]!;
        const ai = spectrum[a + 2 * k + 1]!;
        const br = pair ? spectrum[b + 2 * k]! : 0;
        const bi = pair ? spectrum[b + 2 * k + 1]! : 0;
        rowIn[2 * k] = ar - bi;
        rowIn[2 * k + 1] = ai + br;
      }
      for (let k = C; k < W; k++) {
        const j = W - k;
        const ar = spectrum[a + 2 * j]!;
        const ai = -spectrum[a + 2 * j + 1]!;
        const br = pair ? spectrum[b + 2 * j]! : 0;
        const bi = pair ? -spectrum[b + 2 * j + 1]! : 0;
        rowIn[2 * k] = ar - bi;
        rowIn[2 * k + 1] = ai + br;
      }
      // The real-only terms: Z_0 = Re A_0 + i Re B_0, and likewise at W / 2 for even W.
      for (const k of even ? [0, W / 2] : [0]) {
        rowIn[2 * k] = spectrum[a + 2 * k]!;
        rowIn[2 * k + 1] = pair ? spectrum[b + 2 * k]! : 0;
      }
      this.rows.inverse(rowIn, rowOut);
      for (let x = 0; x < W; x++) {
        plane[y * W + x] = rowOut[2 * x]!;
        if (pair) plane[(y + 1) * W + x] = rowOut[2 * x + 1]!;
      }
    }
  }

  /**
   * The complex DFT (or its inverse) down every column of the half spectrum, in place. Columns are
   * gathered BLOCK at a time so each row of the spectrum is read as one contiguous run (a column at a
   * time touched a new cache line per value).
   */
  private columnPass(spectrum: Float64Array, inverse: boolean): void {
    const { height: H, columns: C, colOut, block } = this;
    for (let k0 = 0; k0 < C; k0 += BLOCK) {
      const width = Math.min(BLOCK, C - k0);
      for (let y = 0; y < H; y++) {
        const from = 2 * (y * C + k0);
        for (let j = 0; j < 2 * width; j += 2) {
          block[j * H + 2 * y] = spectrum[from + j]!;
          block[j * H + 2 * y + 1] = spectrum[from + j + 1]!;
        }
      }
      for (let j = 0; j < width; j++) {
        const column = block.subarray(2 * j * H, 2 * (j + 1) * H);
        if (inverse) this.cols.inverse(column, colOut);
        else this.cols.forward(column, colOut);
        column.set(colOut);
      }
      for (let y = 0; y < H; y++) {
        const to = 2 * (y * C + k0);
        for (let j = 0; j < 2 * width; j += 2) {
          spectrum[to + j] = block[j * H + 2 * y]!;
          spectrum[to + j + 1] = block[j * H + 2 * y + 1]!;
        }
      }
    }
  }
}
