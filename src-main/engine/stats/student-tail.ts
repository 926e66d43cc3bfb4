// The two-sided Student t tail for one fixed number of degrees of freedom, at memory speed
// (docs/method.md#variance).
//
// A pooled-variance contrast tests every unit of a layer with the same df (n_a + n_b - 2), so p is one
// smooth, monotone function of |t| for the whole contrast. Evaluating the general incomplete beta
// (@stdlib's Boost port) costs about 0.5-1 us per value and ran ~130 M times per ResNet-50 run; here
// log p(|t|) is instead interpolated once per df by piecewise Chebyshev polynomials on uniform pieces
// (so a value costs an index, a short Clenshaw sum and one exp): in |t| itself over the bulk, and in
// log(1 + |t|) over the tail, where log p falls like -df log |t|. Each table is built from the exact
// function and verified against it at the extrema of every piece before use (pieces double until the
// worst error is below TOLERANCE in log p, i.e. ~1e-12 relative in p). The exact function is called
// for |t| < EXACT_BELOW (p within 1e-3 of 1: there the exact function, like scipy's, rounds 1 - x, and
// matching its rounding matters more than its speed), beyond the tables (p < 1e-300 or |t| > 1e4, rare)
// and for undefined df. Agreement with scipy is tested in test/engine/stats/student-tail.test.ts.
import { studentTwoSidedP } from './distributions.ts';

/** Chebyshev nodes per piece (polynomial degree NODES - 1). */
const NODES = 12;
/**
 * Largest |log p_interpolated - log p_exact| accepted at the check points, for |log p| <= 100; it grows
 * in proportion beyond (the exact function's own relative noise reaches ~2e-12 at p ~ 1e-280).
 */
const TOLERANCE = 1e-12;
/** The tables cover p >= exp(LOG_P_FLOOR) and |t| <= T_CAP. */
const LOG_P_FLOOR = -690;
const T_CAP = 1e4;
/** Where the bulk table (in |t|) hands over to the tail table (in log(1 + |t|)). */
const BULK_END = 12;
const EXACT_BELOW = 1e-3;
const MAX_PIECES = 1 << 12;

// Chebyshev points of the first kind on [-1, 1], and the extrema of T_NODES (where an interpolant's
// error peaks, ends included) as check points.
const NODE_X = Float64Array.from({ length: NODES }, (_, j) => Math.cos((Math.PI * (j + 0.5)) / NODES));
const CHECK_X = Float64Array.from({ length: NODES + 1 }, (_, j) => Math.cos((Math.PI * j) / NODES));

/** A function on [start, end) as uniform pieces of Chebyshev series; null when it cannot meet TOLERANCE. */
class PiecewiseChebyshev {
  private constructor(
    private readonly coefficients: Float64Array,
    private readonly start: number,
    private readonly invH: number,
    private readonly last: number,
  ) {}

  static fit(f: (x: number) => number, start: number, end: number): PiecewiseChebyshev | null {
    for (let pieces = 4; pieces <= MAX_PIECES; pieces *= 2) {
      const coefficients = fitPieces(f, start, end, pieces);
      if (coefficients) return new PiecewiseChebyshev(coefficients, start, pieces / (end - start), pieces - 1);
    }
    return null;
  }

  /** The value at x in [start, end). */
  at(x: number): number {
    const position = (x - this.start) * this.invH;
    // Rounding may put x just below `end` onto the end itself.
    const piece = Math.min(Math.floor(position), this.last);
    const y = 2 * (position - piece) - 1;
    const c = this.coefficients;
    const base = piece * NODES;
    // Clenshaw recurrence for sum_k c_k T_k(y).
    const y2 = 2 * y;
    let b1 = 0;
    let b2 = 0;
    for (let k = base + NODES - 1; k > base; k--) {
      const b0 = c[k]! + y2 * b1 - b2;
      b2 = b1;
      b1 = b0;
    }
    return c[base]! + y * b1 - b2;
  }
}

function fitPieces(f: (x: number) => number, start: number, end: number, pieces: number): Float64Array | null {
  const h = (end - start) / pieces;
  const coefficients = new Float64Array(pieces * NODES);
  const values = new Float64Array(NODES);
  for (let i = 0; i < pieces; i++) {
    const at = (y: number) => start + (i + (y + 1) / 2) * h;
    for (let j = 0; j < NODES; j++) values[j] = f(at(NODE_X[j]!));
    // c_k = (2 / n) sum_j f(y_j) cos(pi k (j + 1/2) / n), c_0 halved.
    for (let k = 0; k < NODES; k++) {
      let sum = 0;
      for (let j = 0; j < NODES; j++) sum += values[j]! * Math.cos((Math.PI * k * (j + 0.5)) / NODES);
      coefficients[i * NODES + k] = ((k === 0 ? 1 : 2) / NODES) * sum;
    }
    for (const y of CHECK_X) {
      let approx = 0;
      for (let k = 0; k < NODES; k++) approx += coefficients[i * NODES + k]! * Math.cos(k * Math.acos(y));
      const exact = f(at(y));
      if (!(Math.abs(approx - exact) <= TOLERANCE * Math.max(1, Math.abs(exact) / 100))) return null;
    }
  }
  return coefficients;
}

export class StudentTail {
  private readonly bulk: PiecewiseChebyshev | null = null;
  private readonly tail: PiecewiseChebyshev | null = null;
  /** |t| from which the tail table takes over, and where it ends (exact function beyond). */
  private readonly bulkEnd: number = 0;
  readonly tableEnd: number = 0;

  constructor(readonly df: number) {
    if (!(df > 0) || !Number.isFinite(df)) return;
    const logP = (s: number) => Math.log(studentTwoSidedP(s, df));
    const end = floorCrossing(logP);
    const bulkEnd = Math.min(end, BULK_END);
    const bulk = PiecewiseChebyshev.fit(logP, EXACT_BELOW, bulkEnd);
    const tail = end > bulkEnd ? PiecewiseChebyshev.fit((v) => logP(Math.expm1(v)), Math.log1p(bulkEnd), Math.log1p(end)) : null;
    // Never seen to fail for df >= 1e-3; then the exact function serves everything rather than be wrong.
    if (!bulk || (end > bulkEnd && !tail)) return;
    this.bulk = bulk;
    this.tail = tail;
    this.bulkEnd = bulkEnd;
    this.tableEnd = end;
  }

  /** Two-sided p of t: NaN for NaN t, 0 for infinite t, 1 for t = 0, exactly as studentTwoSidedP does. */
  p(t: number): number {
    const s = Math.abs(t);
    let logP: number;
    if (s >= EXACT_BELOW && s < this.bulkEnd) logP = this.bulk!.at(s);
    else if (s >= this.bulkEnd && s < this.tableEnd) logP = this.tail!.at(Math.log1p(s));
    else return studentTwoSidedP(t, this.df);
    const p = Math.exp(logP);
    return p > 1 ? 1 : p;
  }

  /** out[u] = p(t[u]) for every unit. */
  fill(t: Float64Array, out: Float64Array): Float64Array {
    for (let u = 0; u < t.length; u++) out[u] = this.p(t[u]!);
    return out;
  }
}

/** The |t| where log p falls to LOG_P_FLOOR (bisection on the exact, monotone tail), at most T_CAP. */
function floorCrossing(logP: (s: number) => number): number {
  if (logP(T_CAP) > LOG_P_FLOOR) return T_CAP;
  let lo = 0;
  let hi = 1;
  while (logP(hi) > LOG_P_FLOOR) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (logP(mid) > LOG_P_FLOOR) lo = mid;
    else hi = mid;
  }
  return lo;
}

const tails = new Map<number, StudentTail>();

/** The tail for `df`, built once per df and kept (a run has a few dozen distinct pooled df). */
export function studentTail(df: number): StudentTail {
  let tail = tails.get(df);
  if (!tail) {
    if (tails.size >= 256) tails.clear();
    tail = new StudentTail(df);
    tails.set(df, tail);
  }
  return tail;
}
