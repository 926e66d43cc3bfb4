// Our side of stats_vs_numpy (bench/stats-vs-numpy.ts), in a child process of its own so its peak RSS
// is its own. It imports only what the statistics stage needs (the parent's imports, e.g. the demo
// module's sharp and SQLite, would count against us for nothing).
//   node --expose-gc --import tsx bench/_stats-vs-numpy-ours.ts DATA.f32 CATEGORIES.json OUT_MASKS.u8
// Streams the rows into sufficient statistics (as the extractor does during a run), then analyses.
// Prints one JSON line: seconds (analysis), accumulate_seconds, peak_rss and rss_before (bytes).
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import type { RecipeSettings } from '../src-main/contract/recipe-table.ts';
import type { CategoryDef, LayerStats, TapShape } from '../src-main/engine/pipeline-types.ts';
import { analyzeLayer, SufficientAccumulator } from '../src-main/engine/stats/index.ts';

interface Spec {
  recipe: RecipeSettings;
  tap: TapShape;
  categories: CategoryDef[];
  imageCategories: number[];
}

/** Peak resident set size of this process so far (Linux VmHWM, worker threads included), in bytes. */
function peakRss(): number {
  const line = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return line ? Number(line[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** The statistics of every row; the accumulator is unreachable once this returns. */
function accumulate(dataPath: string, spec: Spec): LayerStats {
  const acc = new SufficientAccumulator(spec.tap, spec.categories.length);
  const row = new Float32Array(acc.units);
  const fd = openSync(dataPath, 'r');
  try {
    spec.imageCategories.forEach((k, i) => {
      readSync(fd, row, 0, row.byteLength, i * row.byteLength);
      acc.addRow(k, row);
    });
  } finally {
    closeSync(fd);
  }
  return acc.finish();
}

const [dataPath, specPath, outPath] = process.argv.slice(2);
if (!dataPath || !specPath || !outPath) throw new Error('usage: _stats-vs-numpy-ours.ts DATA.f32 CATEGORIES.json OUT_MASKS.u8');
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const stats = accumulate(dataPath, spec);
// In a run the extractor's accumulators are long gone when the analysis starts (a reanalysis reads the
// statistics from the project): collect them now rather than count them twice (run with --expose-gc).
(globalThis as { gc?: () => void }).gc?.();
const t1 = performance.now();
const analysis = analyzeLayer(stats, spec.categories, spec.recipe);
const t2 = performance.now();
const units = stats.mean.length / spec.categories.length;
const masks = new Uint8Array(analysis.units.length * units);
analysis.units.forEach((r, i) => masks.set(r.selective, i * units));
writeFileSync(outPath, masks);
process.stdout.write(`${JSON.stringify({ seconds: (t2 - t1) / 1000, accumulate_seconds: (t1 - t0) / 1000, peak_rss: peakRss(), rss_before: rssBefore })}\n`);
