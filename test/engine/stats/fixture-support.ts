// Loads the scipy reference fixtures (test/fixtures/stats, made by make_fixtures.py) and compares
// numbers the way the acceptance asks: relative tolerance, NaN equal to NaN, infinities equal,
// and an absolute floor for p-values below 1e-300.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/stats/', import.meta.url));

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(dir + name, 'utf8'), (_key, v: unknown) => {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    return v;
  }) as T;
}

/** First index where actual and expected differ beyond tolerance, with a description, or null. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, absFloor = 0): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      return `[${i}] ${a} vs ${e}`;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a === e) continue;
      return `[${i}] ${a} vs ${e}`;
    }
    if (Math.abs(e) < absFloor && Math.abs(a) < absFloor) continue;
    if (Math.abs(a - e) > rel * Math.abs(e)) return `[${i}] ${a} vs ${e} (rel ${Math.abs(a - e) / Math.abs(e)})`;
  }
  return null;
}
