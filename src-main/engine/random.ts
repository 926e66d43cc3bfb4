// Seeded randomness shared by every stage that must be reproducible (scrambles, the demo set, random unit
// subsets, permutation tests): the same seed gives the same sequence on every machine. Built on
// pure-rand's xoroshiro128+ (well tested, 53-bit floats), never on Math.random.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T>(a: T[]): T[];
  /** Standard normal (Box-Muller). */
  normal(): number;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number, got ${seed}`);
  // pure-rand takes a 32-bit seed; fold larger seeds so 2**32 + 1 and 1 still differ.
  const folded = (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) | 0;
  const generator = xoroshiro128plus(folded);
  let spareNormal: number | null = null;
  const rng: Rng = {
    next: () => uniformFloat64(generator),
    int(n) {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
      return uniformInt(generator, 0, n - 1);
    },
    shuffle(a) {
      for (let i = a.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
      }
      return a;
    },
    normal() {
      if (spareNormal !== null) {
        const value = spareNormal;
        spareNormal = null;
        return value;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spareNormal = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
  };
  return rng;
}

/** A 32-bit seed derived from a base seed and a string (e.g. an image's sha256), so per-item streams are
 * independent of processing order. FNV-1a over the seed's decimal form and the key. */
export function deriveSeed(seed: number, key: string): number {
  let hash = 0x811c9dc5;
  const text = `${seed}:${key}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
