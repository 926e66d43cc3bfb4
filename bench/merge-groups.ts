// merge_groups: the exact (float64) host merge alone, for the 16 ResNet-50 block taps (5.5 M units per
// image): ms per image merging each image on its own against merging the default group of single-image
// runs at once (runsPerGroupFor), rows in shared buffers as the worker's output slots hand them over.
// `value` = one-at-a-time ms / grouped ms (the speedup). In a run this merge overlaps the runtime on its
// own thread; it caps throughput wherever the runtime outpaces it (a GPU, or many cores).
// Env: BENCH_MERGE_IMAGES (default 48; a multiple of the group size keeps the groups whole).
import { benchModel, benchTaps } from './extract-vs-inference.ts';
import { runsPerGroupFor } from '../src-main/engine/inference/batching.ts';
import { countMerged, mergeActivationRange } from '../src-main/engine/inference/sufficient-stats.ts';
import { SeededRandom } from '../src-main/engine/onnx/random.ts';
import type { LayerStats, TapShape } from '../src-main/engine/pipeline-types.ts';
import { tapUnits } from '../src-main/engine/pipeline-types.ts';
import { emptyLayerStats } from '../src-main/engine/stats/sufficient.ts';

const IMAGES = Number(process.env.BENCH_MERGE_IMAGES ?? 48);

/** ms per image merging `images` rows per tap into category 0, `group` rows per merge. */
function mergeRate(taps: readonly TapShape[], rows: Float32Array[][], group: number): number {
  const layers: LayerStats[] = taps.map((t) => emptyLayerStats(t, 1));
  // The first image alone, as in a run (and out of the timing: it is once per category).
  layers.forEach((stats, l) => {
    mergeActivationRange(stats, 0, [rows[l]![0]!], 0, tapUnits(stats.tap));
    countMerged(stats, 0, 1);
  });
  const start = performance.now();
  for (let s = 1; s < rows[0]!.length; s += group) {
    layers.forEach((stats, l) => {
      const members = rows[l]!.slice(s, s + group);
      mergeActivationRange(stats, 0, members, 0, tapUnits(stats.tap));
      countMerged(stats, 0, members.length);
    });
  }
  return (performance.now() - start) / (rows[0]!.length - 1);
}

export async function run() {
  const { taps } = await benchTaps(benchModel());
  const group = runsPerGroupFor(taps);
  const rng = new SeededRandom(1);
  // IMAGES + 1 rows per tap: the first image, then IMAGES timed (cycling through 2 x group distinct rows, as
  // the slots do).
  const distinct = taps.map((t) => Array.from({ length: 2 * group }, () => {
    const row = new Float32Array(new SharedArrayBuffer(tapUnits(t) * 4));
    for (let u = 0; u < row.length; u++) row[u] = Math.max(0, rng.uniform() * 4 - 1);
    return row;
  }));
  const rows = distinct.map((d) => Array.from({ length: IMAGES + 1 }, (_, i) => d[i % d.length]!));
  const single: number[] = [];
  const grouped: number[] = [];
  for (let r = 0; r < 3; r++) {
    single.push(mergeRate(taps, rows, 1));
    grouped.push(mergeRate(taps, rows, group));
  }
  const best = (xs: number[]) => Math.min(...xs);
  return [{ name: 'merge_groups', value: best(single) / best(grouped), unit: 'ratio', single_ms_per_image: best(single), grouped_ms_per_image: best(grouped), group, images: IMAGES, units_per_image: taps.reduce((s, t) => s + tapUnits(t), 0) }];
}
