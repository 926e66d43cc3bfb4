// FDR ordering at scale: the packed-key sort must give exactly the order of a plain comparator sort,
// including p-values that share their high 32 bits, zeros and NaNs (excluded from the family).
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src-main/engine/random.ts';
import { adjustPValues, ascendingOrder } from '../../../src-main/engine/stats/fdr.ts';

describe('FDR adjustment', () => {
  it('orders p-values exactly, with near-ties, zeros and NaN', () => {
    const rng = createRng(7);
    const p = new Float64Array(20000);
    for (let i = 0; i < p.length; i++) {
      const r = rng.next();
      p[i] = r < 0.05 ? NaN : r < 0.1 ? 0 : r < 0.5 ? 0.01 * (1 + rng.next() * 1e-9) : rng.next() ** 8;
    }
    const order = Array.from(ascendingOrder(p));
    const expected = Array.from(p.keys()).filter((i) => !Number.isNaN(p[i]!));
    expect(order.length).toBe(expected.length);
    for (let i = 1; i < order.length; i++) expect(p[order[i - 1]!]!).toBeLessThanOrEqual(p[order[i]!]!);
  });

  it('gives exactly the stable comparator order: duplicates by index, -0 with 0, long runs of near-ties', () => {
    const rng = createRng(8);
    const p = new Float64Array(50000);
    for (let i = 0; i < p.length; i++) {
      const r = rng.next();
      // runs of one high word (0.5 .. 0.5 + 2^-22), exact duplicates, -0, tiny and NaN values
      p[i] = r < 0.3 ? 0.5 + rng.int(1 << 20) * 2 ** -52 : r < 0.4 ? 0.25 : r < 0.45 ? -0 : r < 0.5 ? 1e-300 * rng.next() : r < 0.55 ? NaN : rng.next();
    }
    const expected = Array.from(p.keys())
      .filter((i) => !Number.isNaN(p[i]!))
      .sort((a, b) => p[a]! - p[b]! || a - b);
    expect(Array.from(ascendingOrder(p))).toEqual(expected);
  });

  it('BH, BY, Bonferroni and none on a small family with an undefined test', () => {
    const p = Float64Array.from([0.01, NaN, 0.04, 0.03, 0.2]);
    // m = 4 defined tests; BH: sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.0533.., 0.0533.., 0.2
    const bh = Array.from(adjustPValues(p, 'bh'));
    expect(bh[0]).toBeCloseTo(0.04, 15);
    expect(bh[1]).toBeNaN();
    expect(bh[2]).toBeCloseTo(0.16 / 3, 15);
    expect(bh[3]).toBeCloseTo(0.16 / 3, 15);
    expect(bh[4]).toBeCloseTo(0.2, 15);
    const c = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    expect(adjustPValues(p, 'by')[0]).toBeCloseTo(0.04 * c, 15);
    expect(Array.from(adjustPValues(p, 'bonferroni'))).toEqual([0.04, NaN, 0.16, 0.12, 0.8]);
    expect(Array.from(adjustPValues(p, 'none'))).toEqual(Array.from(p));
  });
});
