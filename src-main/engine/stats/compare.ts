// Unit-level model comparison per aligned layer x category (docs/method.md#comparison-descriptive):
// two-proportion z-test on the proportions of selective units, Mann-Whitney U on the CSI of selective
// units, seeded bootstrap over selective units for channel entropy and Gini, and BH FDR across layers x
// categories for each test. Units are not independent samples (they share the images), so these are
// descriptive; the comparison's tests resample images (image-bootstrap.ts, compare-images.ts). Layers of
// the two runs align by name or by relative depth. Every difference is A - B.
import type { LayerAnalysis } from '../pipeline-types.ts';
import { tapUnits, unitChannel } from '../pipeline-types.ts';
import { createRng, type Rng } from '../random.ts';
import { normalTwoSidedP } from './distributions.ts';
import { adjustPValues } from './fdr.ts';
import { gini, normalizedEntropy } from './layer-metrics.ts';
import { mannWhitneyP } from './ranksum.ts';

export type LayerAlignment = 'name' | 'depth';

/**
 * Pairs of layer indices (a, b). 'name': layers with the same name, in a's order. 'depth': every layer i
 * of a with the layer of b whose relative depth j / (Lb - 1) is nearest to i / (La - 1) (first on ties).
 */
export function alignLayers(a: readonly string[], b: readonly string[], mode: LayerAlignment): [number, number][] {
  if (mode === 'name') {
    const out: [number, number][] = [];
    a.forEach((name, i) => {
      const j = b.indexOf(name);
      if (j >= 0) out.push([i, j]);
    });
    return out;
  }
  if (a.length === 0 || b.length === 0) return [];
  const depth = (i: number, n: number) => (n === 1 ? 0 : i / (n - 1));
  return a.map((_, i) => {
    let best = 0;
    for (let j = 1; j < b.length; j++) if (Math.abs(depth(j, b.length) - depth(i, a.length)) < Math.abs(depth(best, b.length) - depth(i, a.length))) best = j;
    return [i, best] as [number, number];
  });
}

/** Two-sided two-proportion z-test with the pooled proportion; NaN when both proportions are 0 or 1. */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { z: number; p: number } {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { z, p: normalTwoSidedP(z) };
}

/** Seeded bootstrap of a statistic's difference between two samples: two-sided p and 95 % interval. */
function bootstrapDifference(
  a: Float64Array,
  b: Float64Array,
  statA: (x: Float64Array) => number,
  statB: (x: Float64Array) => number,
  iterations: number,
  rng: Rng,
): { diff: number; p: number; low: number; high: number } {
  const diff = statA(a) - statB(b);
  if (a.length === 0 || b.length === 0 || Number.isNaN(diff)) return { diff, p: NaN, low: NaN, high: NaN };
  const diffs = new Float64Array(iterations);
  const ra = new Float64Array(a.length);
  const rb = new Float64Array(b.length);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < a.length; i++) ra[i] = a[rng.int(a.length)]!;
    for (let i = 0; i < b.length; i++) rb[i] = b[rng.int(b.length)]!;
    diffs[it] = statA(ra) - statB(rb);
  }
  const valid = diffs.filter((d) => !Number.isNaN(d)).sort();
  if (valid.length === 0) return { diff, p: NaN, low: NaN, high: NaN };
  let below = 0;
  let above = 0;
  for (const d of valid) {
    if (d <= 0) below++;
    if (d >= 0) above++;
  }
  const p = Math.min(1, (2 * Math.min(below, above) + 1) / (valid.length + 1));
  return { diff, p, low: valid[Math.floor(0.025 * (valid.length - 1))]!, high: valid[Math.ceil(0.975 * (valid.length - 1))]! };
}

export interface ComparisonRow {
  layerA: string;
  layerB: string;
  category: string;
  selectiveA: number;
  selectiveB: number;
  proportionA: number;
  proportionB: number;
  proportionZ: number;
  proportionP: number;
  proportionQ: number;
  csiMedianA: number;
  csiMedianB: number;
  csiP: number;
  csiQ: number;
  /** Entropy of A minus entropy of B. */
  channelEntropyDiff: number;
  channelEntropyP: number;
  channelEntropyQ: number;
  channelEntropyCi: [number, number];
  channelGiniDiff: number;
  channelGiniP: number;
  channelGiniQ: number;
  channelGiniCi: [number, number];
}

export interface CompareOptions {
  alignment?: LayerAlignment;
  /** Bootstrap iterations (default 1000). */
  iterations?: number;
  seed?: number;
}

/** Channel index of every selective unit of one category (the sample the channel metrics summarize). */
function selectiveChannels(analysis: LayerAnalysis, c: number): Float64Array {
  const r = analysis.units[c]!;
  const out: number[] = [];
  for (let u = 0; u < r.selective.length; u++) if (r.selective[u]) out.push(unitChannel(analysis.tap, u));
  return Float64Array.from(out);
}

function channelCountsOf(channels: number): (sample: Float64Array) => Float64Array {
  return (sample) => {
    const counts = new Float64Array(channels);
    for (const ch of sample) counts[ch]!++;
    return counts;
  };
}

/**
 * Compares two runs (e.g. two models) layer by layer and category by category. The bootstrap resamples
 * each run's selective units (their channel assignments) with replacement, seeded; every p-value family
 * (one per test) is BH-corrected across layers x categories.
 */
export function compareRuns(a: readonly LayerAnalysis[], b: readonly LayerAnalysis[], options: CompareOptions = {}): ComparisonRow[] {
  const rng = createRng(options.seed ?? 0);
  const iterations = options.iterations ?? 1000;
  const pairs = alignLayers(
    a.map((l) => l.tap.name),
    b.map((l) => l.tap.name),
    options.alignment ?? 'name',
  );
  const rows: ComparisonRow[] = [];
  for (const [i, j] of pairs) {
    const la = a[i]!;
    const lb = b[j]!;
    la.units.forEach((ra, ca) => {
      const cb = lb.units.findIndex((r) => r.category === ra.category);
      if (cb < 0) return;
      const rb = lb.units[cb]!;
      const count = (r: typeof ra) => r.selective.reduce((s, v) => s + v, 0);
      const na = tapUnits(la.tap);
      const nb = tapUnits(lb.tap);
      const prop = twoProportionZ(count(ra), na, count(rb), nb);
      const csiOf = (r: typeof ra) => Float64Array.from(Array.from(r.csi).filter((v, u) => r.selective[u] && !Number.isNaN(v))).sort();
      const csiA = csiOf(ra);
      const csiB = csiOf(rb);
      const median = (x: Float64Array) => (x.length === 0 ? NaN : x.length % 2 ? x[(x.length - 1) / 2]! : (x[x.length / 2 - 1]! + x[x.length / 2]!) / 2);
      const chA = selectiveChannels(la, ca);
      const chB = selectiveChannels(lb, cb);
      const countsA = channelCountsOf(la.tap.channels);
      const countsB = channelCountsOf(lb.tap.channels);
      // Each side keeps its own channel count (entropy is normalized by log C, Gini is scale-free).
      const entropy = bootstrapDifference(chA, chB, (x) => normalizedEntropy(countsA(x)), (x) => normalizedEntropy(countsB(x)), iterations, rng);
      const giniDiff = bootstrapDifference(chA, chB, (x) => gini(countsA(x)), (x) => gini(countsB(x)), iterations, rng);
      rows.push({
        layerA: la.tap.name,
        layerB: lb.tap.name,
        category: ra.category,
        selectiveA: count(ra),
        selectiveB: count(rb),
        proportionA: count(ra) / na,
        proportionB: count(rb) / nb,
        proportionZ: prop.z,
        proportionP: prop.p,
        proportionQ: NaN,
        csiMedianA: median(csiA),
        csiMedianB: median(csiB),
        csiP: csiA.length && csiB.length ? mannWhitneyP(csiA, csiB) : NaN,
        csiQ: NaN,
        channelEntropyDiff: entropy.diff,
        channelEntropyP: entropy.p,
        channelEntropyQ: NaN,
        channelEntropyCi: [entropy.low, entropy.high],
        channelGiniDiff: giniDiff.diff,
        channelGiniP: giniDiff.p,
        channelGiniQ: NaN,
        channelGiniCi: [giniDiff.low, giniDiff.high],
      });
    });
  }
  const correct = (p: keyof ComparisonRow, q: keyof ComparisonRow) => {
    const qs = adjustPValues(Float64Array.from(rows, (r) => r[p] as number), 'bh');
    rows.forEach((r, k) => ((r as unknown as Record<string, number>)[q] = qs[k]!));
  };
  correct('proportionP', 'proportionQ');
  correct('csiP', 'csiQ');
  correct('channelEntropyP', 'channelEntropyQ');
  correct('channelGiniP', 'channelGiniQ');
  return rows;
}
