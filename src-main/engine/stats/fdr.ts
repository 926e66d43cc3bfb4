// Multiple-comparison adjustment over one family (one contrast within one layer), as
// scipy.stats.false_discovery_control for bh/by. NaN p-values (undefined tests) are not part of the
// family: they keep q = NaN and do not count in m.
import type { FDR_METHODS } from '../../contract/recipe.ts';

export type FdrMethod = (typeof FDR_METHODS)[number];

/**
 * Indices of the finite-or-zero p-values, ascending by p. Sorting millions of (p, index) pairs with a
 * comparator takes seconds, so each pair is packed into one 64-bit word (high 32 bits of p's float64
 * pattern, which orders like p for p >= 0, then the index) and sorted natively; a final insertion pass
 * on the exact p fixes the order of values that share those high bits (p within about 1e-6 relative).
 */
export function ascendingOrder(p: Float64Array): Uint32Array {
  const n = p.length;
  const pBits = new Uint32Array(p.buffer, p.byteOffset, n * 2);
  let m = 0;
  for (let u = 0; u < n; u++) if (!Number.isNaN(p[u]!)) m++;
  const packed = new BigUint64Array(m);
  const words = new Uint32Array(packed.buffer);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const lo = littleEndian ? 0 : 1;
  const hi = 1 - lo;
  let j = 0;
  for (let u = 0; u < n; u++) {
    if (Number.isNaN(p[u]!)) continue;
    // p is in [0, 1]; -0 would carry the sign bit, so normalise it.
    words[2 * j + hi] = p[u] === 0 ? 0 : pBits[2 * u + (littleEndian ? 1 : 0)]!;
    words[2 * j + lo] = u;
    j++;
  }
  packed.sort();
  const order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = words[2 * i + lo]!;
  for (let i = 1; i < m; i++) {
    const idx = order[i]!;
    const v = p[idx]!;
    let k = i - 1;
    if (p[order[k]!]! <= v) continue;
    while (k >= 0 && p[order[k]!]! > v) {
      order[k + 1] = order[k]!;
      k--;
    }
    order[k + 1] = idx;
  }
  return order;
}

/** Adjusted p-values (q) for one family. `out` may alias nothing else; returns it. */
export function adjustPValues(p: Float64Array, method: FdrMethod, out?: Float64Array): Float64Array {
  const n = p.length;
  const q = out ?? new Float64Array(n);
  if (method === 'none') {
    q.set(p);
    return q;
  }
  let m = 0;
  for (let u = 0; u < n; u++) if (!Number.isNaN(p[u]!)) m++;
  if (method === 'bonferroni') {
    for (let u = 0; u < n; u++) q[u] = Math.min(1, p[u]! * m);
    return q;
  }
  q.fill(NaN);
  if (m === 0) return q;
  const order = ascendingOrder(p);
  let harmonic = 1;
  if (method === 'by') {
    harmonic = 0;
    for (let i = 1; i <= m; i++) harmonic += 1 / i;
  }
  let running = Infinity;
  for (let i = m - 1; i >= 0; i--) {
    const u = order[i]!;
    let v = p[u]! * (m / (i + 1));
    if (method === 'by') v *= harmonic;
    if (v < running) running = v;
    q[u] = running > 1 ? 1 : running;
  }
  return q;
}
