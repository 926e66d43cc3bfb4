// Agreement between two selections of the units of one layer: Dice, Jaccard, and Pearson r of the CSI,
// with the null of "the same selections, units shuffled within the layer". Shuffling B's labels over the
// layer puts its |B| selected units on |B| uniformly random positions, so the null overlap is drawn that
// way directly (O(|B|) per shuffle). The overlap is then hypergeometric with mean ab/N, and Dice is linear in
// it, so the null Dice has mean exactly 2ab / (N (a + b)).
// The CSI null permutes one run's CSI over the units where both are defined (mean 0 by symmetry).
import { sampleUnits } from '../ablation/unit-sets.ts';
import type { Rng } from '../random.ts';
import { pearson as pearsonOfVectors } from '../stats/consistency.ts';

export interface SetAgreement {
  a: number;
  b: number;
  overlap: number;
  /** 2|A n B| / (|A| + |B|); NaN when both are empty. */
  dice: number;
  /** |A n B| / |A u B|; NaN when both are empty. */
  jaccard: number;
}

export function diceFromCounts(a: number, b: number, overlap: number): number {
  return a + b === 0 ? NaN : (2 * overlap) / (a + b);
}

export function jaccardFromCounts(a: number, b: number, overlap: number): number {
  const union = a + b - overlap;
  return union === 0 ? NaN : overlap / union;
}

export function setAgreement(selA: ArrayLike<number>, selB: ArrayLike<number>): SetAgreement {
  if (selA.length !== selB.length) throw new RangeError(`the selections cover ${selA.length} and ${selB.length} units`);
  let a = 0;
  let b = 0;
  let overlap = 0;
  for (let u = 0; u < selA.length; u++) {
    const x = selA[u] === 1;
    const y = selB[u] === 1;
    if (x) a++;
    if (y) b++;
    if (x && y) overlap++;
  }
  return { a, b, overlap, dice: diceFromCounts(a, b, overlap), jaccard: jaccardFromCounts(a, b, overlap) };
}

/** Dice expected when B's selected units are placed at random among N: E[overlap] = ab/N. */
export function expectedDice(a: number, b: number, n: number): number {
  return a + b === 0 || n === 0 ? NaN : (2 * a * b) / (n * (a + b));
}

/** Pearson r over the units where both values are finite; n is that number of units. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): { r: number; n: number } {
  const { xs, ys } = finitePairs(x, y);
  return { r: pearsonOfVectors(xs, ys), n: xs.length };
}

function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): { xs: Float64Array; ys: Float64Array } {
  if (x.length !== y.length) throw new RangeError(`the CSI arrays cover ${x.length} and ${y.length} units`);
  let n = 0;
  for (let u = 0; u < x.length; u++) if (Number.isFinite(x[u]!) && Number.isFinite(y[u]!)) n++;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let j = 0;
  for (let u = 0; u < x.length; u++) {
    if (!Number.isFinite(x[u]!) || !Number.isFinite(y[u]!)) continue;
    xs[j] = x[u]!;
    ys[j] = y[u]!;
    j++;
  }
  return { xs, ys };
}

export interface NullDistribution {
  dice: Float64Array;
  jaccard: Float64Array;
  csiR: Float64Array;
}

/** `shuffles` draws of the shuffled-units null for Dice, Jaccard and CSI r. */
export function shuffledNull(selA: Uint8Array, selB: Uint8Array, csiA: ArrayLike<number>, csiB: ArrayLike<number>, shuffles: number, rng: Rng): NullDistribution {
  const n = selA.length;
  const { a, b } = setAgreement(selA, selB);
  const dice = new Float64Array(shuffles);
  const jaccard = new Float64Array(shuffles);
  for (let s = 0; s < shuffles; s++) {
    const placed = sampleUnits(rng, n, b);
    let overlap = 0;
    for (let i = 0; i < placed.length; i++) if (selA[placed[i]!] === 1) overlap++;
    dice[s] = diceFromCounts(a, b, overlap);
    jaccard[s] = jaccardFromCounts(a, b, overlap);
  }
  const { xs, ys } = finitePairs(csiA, csiB);
  const csiR = new Float64Array(shuffles);
  const perm = Float64Array.from(ys);
  for (let s = 0; s < shuffles; s++) {
    for (let i = perm.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    csiR[s] = pearsonOfVectors(xs, perm);
  }
  return { dice, jaccard, csiR };
}

export function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) {
    n++;
    sum += values[i]!;
  }
  if (n === 0) return { mean: NaN, sd: NaN };
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) ss += (values[i]! - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN };
}

/** (1 + #null >= observed) / (shuffles + 1); NaN when the observed value is undefined. */
export function upperP(observed: number, nullValues: ArrayLike<number>): number {
  if (!Number.isFinite(observed)) return NaN;
  let atLeast = 0;
  for (let i = 0; i < nullValues.length; i++) if (nullValues[i]! >= observed) atLeast++;
  return (1 + atLeast) / (nullValues.length + 1);
}
