// The maintained distribution functions against scipy deep in the tails (p down to subnormal values),
// including non-integer Welch degrees of freedom, and Mann-Whitney U against scipy's asymptotic method.
import { describe, expect, it } from 'vitest';
import { normalTwoSidedP, studentTwoSidedP } from '../../../src-main/engine/stats/distributions.ts';
import { mannWhitneyP } from '../../../src-main/engine/stats/ranksum.ts';
import { loadFixture, mismatch } from './fixture-support.ts';

interface Dist {
  t: { df: number; t: number[]; p: number[] }[];
  normal: { z: number[]; p: number[] }[];
  mwu: { a: number[]; b: number[]; p: number }[];
}
const dist = loadFixture<Dist>('distributions.json');

describe('two-sided p-values against scipy', () => {
  for (const row of dist.t) {
    it(`Student t, df = ${row.df}`, () => {
      const p = row.t.map((t) => studentTwoSidedP(t, row.df));
      expect(mismatch(p, row.p, 1e-9, 1e-300)).toBeNull();
      // the negative side is the same two-sided p
      expect(mismatch(row.t.map((t) => studentTwoSidedP(-t, row.df)), row.p, 1e-9, 1e-300)).toBeNull();
    });
  }
  it('Student t reaches below 1e-300 without underflowing early', () => {
    const ref = dist.t.find((r) => r.df === 1000)!;
    expect(ref.p.some((v) => v > 0 && v < 1e-300) || ref.p.some((v) => v === 0)).toBe(true);
    expect(studentTwoSidedP(Infinity, 10)).toBe(0);
    expect(studentTwoSidedP(NaN, 10)).toBeNaN();
    expect(studentTwoSidedP(0, 10)).toBe(1);
  });
  it('normal', () => {
    for (const row of dist.normal) expect(mismatch(row.z.map(normalTwoSidedP), row.p, 1e-9, 1e-300)).toBeNull();
  });
  it('Mann-Whitney U (asymptotic, tie- and continuity-corrected)', () => {
    for (const row of dist.mwu) expect(mismatch([mannWhitneyP(row.a, row.b)], [row.p], 1e-9, 1e-300)).toBeNull();
  });
});
