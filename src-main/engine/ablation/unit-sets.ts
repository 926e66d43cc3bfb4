// Which units an ablation replaces: a category's selective units in a layer (all, or the N with the
// highest CSI), and the matched controls: random sets of the same size from the same layer, drawn with a
// seeded generator so a seed always gives the same controls. Controls are drawn from every unit of the
// layer (selective ones included): the null is "any k units of this layer", as in lesion studies.
import { createRng, type Rng } from '../random.ts';

/**
 * The selective units in descending CSI order (csiOrder: every unit of the layer sorted by CSI, highest
 * first, NaN last, as stored with the run), cut to the first `top` when given.
 */
export function selectiveByCsi(selective: Uint8Array, csiOrder: Int32Array, top?: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < csiOrder.length; i++) {
    const u = csiOrder[i]!;
    if (selective[u] !== 1) continue;
    out.push(u);
    if (top !== undefined && out.length >= top) break;
  }
  return Int32Array.from(out);
}

/** k distinct units of [0, n), ascending (Floyd's algorithm: O(k) draws whatever n is). */
export function sampleUnits(rng: Rng, n: number, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`sampleUnits: cannot draw ${k} distinct units from ${n}`);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

/** R random control sets of size k from a layer of n units; the same seed gives the same sets. */
export function randomControls(n: number, k: number, repeats: number, seed: number): Int32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: repeats }, () => sampleUnits(rng, n, k));
}

/** A per-unit boolean mask (1 = replaced) for the flat unit indices. */
export function unitMask(units: number, indices: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(units);
  for (let i = 0; i < indices.length; i++) {
    const u = indices[i]!;
    if (!Number.isInteger(u) || u < 0 || u >= units) throw new RangeError(`unit ${u} is outside the layer's ${units} units`);
    mask[u] = 1;
  }
  return mask;
}
