// The per-df interpolated Student tail against scipy (test/fixtures/stats/student-tail.json, made by
// make_tail_fixtures.py): tiny, pooled, non-integer and huge df, |t| from 0 through the hand-over
// between the tables to p below 1e-300 and underflow, to 1e-10 relative; and against the exact
// function it replaces on a dense random sweep.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src-main/engine/random.ts';
import { studentTwoSidedP } from '../../../src-main/engine/stats/distributions.ts';
import { StudentTail, studentTail } from '../../../src-main/engine/stats/student-tail.ts';
import { loadFixture, mismatch } from './fixture-support.ts';

const fixture = loadFixture<{ scipy: string; rows: { df: number; t: number[]; p: number[] }[] }>('student-tail.json');

describe(`the interpolated Student tail against scipy ${fixture.scipy}`, () => {
  for (const row of fixture.rows) {
    it(`df = ${row.df}`, () => {
      const tail = new StudentTail(row.df);
      const t = Float64Array.from(row.t);
      expect(mismatch(tail.fill(t, new Float64Array(t.length)), row.p, 1e-10, 1e-300)).toBeNull();
      // the negative side is the same two-sided p
      expect(mismatch(tail.fill(t.map((v) => -v), new Float64Array(t.length)), row.p, 1e-10, 1e-300)).toBeNull();
      // the fixture reaches the deep tail where the table hands over to the exact function
      expect(row.p.some((p) => p < 1e-250)).toBe(true);
    });
  }

  it('keeps the exact function’s special values', () => {
    const tail = studentTail(286);
    expect(tail.p(NaN)).toBeNaN();
    expect(tail.p(Infinity)).toBe(0);
    expect(tail.p(-Infinity)).toBe(0);
    expect(tail.p(0)).toBe(1);
    expect(new StudentTail(0).p(2)).toBe(studentTwoSidedP(2, 0));
    expect(studentTail(286)).toBe(tail);
  });

  it('agrees with the exact function to 1e-11 on a dense random sweep', () => {
    const rng = createRng(5);
    for (const df of [1, 5, 38, 286, 2e4]) {
      const tail = new StudentTail(df);
      const t = Float64Array.from({ length: 20000 }, () => (rng.next() < 0.8 ? rng.normal() * 4 : Math.exp(rng.next() * 9)));
      const exact = Float64Array.from(t, (v) => studentTwoSidedP(v, df));
      expect(mismatch(tail.fill(t, new Float64Array(t.length)), exact, 1e-11, 1e-300), `df ${df}`).toBeNull();
    }
  });
});
