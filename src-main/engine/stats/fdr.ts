// Multiple-comparison adjustment over one family (one contrast within one layer), as
// scipy.stats.false_discovery_control for bh/by. NaN p-values (undefined tests) are not part of the
// family: they keep q = NaN and do not count in m.
import type { FDR_METHODS } from '../../contract/recipe-table.ts';

export type FdrMethod = (typeof FDR_METHODS)[number];

/**
 * Indices of the defined (non-NaN) p-values, ascending by p, equal p in index order. p >= 0, so the
 * float64 bit patterns order like the values: a stable LSD radix sort on the high 32 bits (two 16-bit
 * passes, a pass skipped when every key has the same digit) orders by (high bits, index); each run of
 * equal high bits is then ordered by the low 32 bits. A comparator sort of millions of pairs took seconds,
 * and the earlier insertion pass over runs of equal high bits went quadratic on layers whose units share
 * nearly equal p (an untrained ResNet-50's flat-background units: 0.7 s for one 800 k-unit contrast).
 */
export function ascendingOrder(p: Float64Array): Uint32Array {
  return Uint32Array.from(sortedIndices(p));
}

/** Sort buffers kept between calls: one layer's families are sorted one after another. */
let scratch = { keys: new Uint32Array(0), order: new Uint32Array(0), keysTmp: new Uint32Array(0), orderTmp: new Uint32Array(0) };

/** ascendingOrder as a view into the sort buffers, valid until the next call. */
function sortedIndices(p: Float64Array): Uint32Array {
  const n = p.length;
  const words = new Uint32Array(p.buffer, p.byteOffset, n * 2);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const hiWord = littleEndian ? 1 : 0;
  let m = 0;
  for (let u = 0; u < n; u++) if (!Number.isNaN(p[u]!)) m++;
  if (scratch.keys.length < m) scratch = { keys: new Uint32Array(m), order: new Uint32Array(m), keysTmp: new Uint32Array(m), orderTmp: new Uint32Array(m) };
  let keys = scratch.keys.subarray(0, m);
  let order = scratch.order.subarray(0, m);
  let keysTmp = scratch.keysTmp.subarray(0, m);
  let orderTmp = scratch.orderTmp.subarray(0, m);
  let j = 0;
  for (let u = 0; u < n; u++) {
    const v = p[u]!;
    if (Number.isNaN(v)) continue;
    // -0 carries the sign bit: normalise it.
    keys[j] = v === 0 ? 0 : words[2 * u + hiWord]!;
    order[j++] = u;
  }
  const counts = new Uint32Array(1 << 16);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < m; i++) counts[(keys[i]! >>> shift) & 0xffff]!++;
    if (m === 0 || counts[(keys[0]! >>> shift) & 0xffff] === m) continue;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const k = keys[i]!;
      const at = counts[(k >>> shift) & 0xffff]!++;
      keysTmp[at] = k;
      orderTmp[at] = order[i]!;
    }
    [keys, keysTmp] = [keysTmp, keys];
    [order, orderTmp] = [orderTmp, order];
  }
  const loWord = 1 - hiWord;
  const low = (u: number) => (p[u] === 0 ? 0 : words[2 * u + loWord]!);
  for (let start = 0; start < m; ) {
    let end = start + 1;
    while (end < m && keys[end] === keys[start]) end++;
    if (end - start > 1) sortRunByLowBits(order, start, end, low);
    start = end;
  }
  return order;
}

/** Orders order[start, end) (equal high bits, ascending index) by low bits, equal ones keeping index order. */
function sortRunByLowBits(order: Uint32Array, start: number, end: number, low: (u: number) => number): void {
  let sorted = true;
  for (let i = start + 1; i < end && sorted; i++) if (low(order[i]!) < low(order[i - 1]!)) sorted = false;
  if (sorted) return;
  if (end - start <= 32) {
    for (let i = start + 1; i < end; i++) {
      const u = order[i]!;
      const v = low(u);
      let k = i - 1;
      while (k >= start && low(order[k]!) > v) {
        order[k + 1] = order[k]!;
        k--;
      }
      order[k + 1] = u;
    }
    return;
  }
  // (low bits, index) packed into one 64-bit word sorts natively in O(g log g).
  const packed = new BigUint64Array(end - start);
  const halves = new Uint32Array(packed.buffer);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const [lo, hi] = littleEndian ? [0, 1] : [1, 0];
  for (let i = start; i < end; i++) {
    halves[2 * (i - start) + hi] = low(order[i]!);
    halves[2 * (i - start) + lo] = order[i]!;
  }
  packed.sort();
  for (let i = start; i < end; i++) order[i] = halves[2 * (i - start) + lo]!;
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
  const order = sortedIndices(p);
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
