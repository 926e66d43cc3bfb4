// stats_vs_numpy: pairwise-t + BH selection on identical data, Unitscope (sufficient statistics) against
// the usual lab pipeline in numpy/scipy (bench/stats_numpy_baseline.py: every image's activations in
// memory, scipy.stats.ttest_ind + false_discovery_control per contrast). Both sides run in their own
// child process (ours: bench/_stats-vs-numpy-ours.ts, which loads only the statistics stage) so each
// peak RSS (VmHWM, worker threads included) is its own. value = our analysis time / numpy's analysis time
// (both after the data is in place: our sufficient statistics come from the extractor in a real run,
// their activations from a forward hook); mem_ratio = our peak RSS / numpy's peak RSS; mem_ratio_net the
// same less each interpreter's resident size before any data. Targets (issue 20): value <= 0.2,
// mem_ratio <= 0.05. The selection masks of both sides are compared and the agreement is reported.
// What the peaks hold is described in docs/performance.md. Size: one layer2-sized tap (512 x 28 x 28
// units), 6 categories x 144 images (fLoc's count). BENCH_KEEP_WORK=1 keeps the data in bench/.work.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CategoryDef, TapShape } from '../src-main/engine/pipeline-types.ts';
import { createRng } from '../src-main/engine/random.ts';
import { DEMO_CATEGORIES } from '../src-main/engine/stimuli/demo.ts';

const tap: TapShape = { name: 'layer2', tensor: 'layer2', channels: 512, height: 28, width: 28 };
const UNITS = tap.channels * tap.height * tap.width;
const PER_CATEGORY = 144;
// The demo's localizer categories: four targets and two scrambled controls.
const categories: readonly CategoryDef[] = DEMO_CATEGORIES;
const IMAGES = PER_CATEGORY * categories.length;
const imageCategories = Array.from({ length: IMAGES }, (_, i) => Math.floor(i / PER_CATEGORY));

interface SideReport {
  seconds: number;
  peak_rss: number;
  rss_before: number;
  accumulate_seconds?: number;
}

/** ReLU activations: noise plus a preferred-category effect per unit, written as images x units float32. */
function writeData(path: string): void {
  const rng = createRng(11);
  const table = new Float32Array(1 << 22);
  for (let i = 0; i < table.length; i++) table[i] = rng.normal();
  const pref = Int32Array.from({ length: UNITS }, () => rng.int(categories.length));
  const effect = Float32Array.from({ length: UNITS }, () => rng.next() * 0.8);
  const fd = openSync(path, 'w');
  const row = new Float32Array(UNITS);
  for (let i = 0; i < IMAGES; i++) {
    const k = imageCategories[i]!;
    const offset = rng.int(table.length);
    for (let u = 0; u < UNITS; u++) {
      const v = table[(offset + u * 7) & (table.length - 1)]! + 0.5 + (pref[u] === k ? effect[u]! : 0);
      row[u] = v > 0 ? v : 0;
    }
    writeSync(fd, row);
  }
  closeSync(fd);
}

function lastJsonLine(stdout: string, who: string): SideReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as SideReport;
  } catch {
    throw new Error(`${who} printed no result line: ${stdout.slice(-500)}`);
  }
}

export async function run(): Promise<{ name: string; value: number; unit: string; [k: string]: unknown }[]> {
  const work = fileURLToPath(new URL('./.work/stats-vs-numpy/', import.meta.url));
  mkdirSync(work, { recursive: true });
  const data = `${work}activations.f32`;
  const spec = `${work}categories.json`;
  try {
    writeData(data);
    writeFileSync(spec, JSON.stringify({ tap, categories, imageCategories }));
    const ours = fileURLToPath(new URL('./_stats-vs-numpy-ours.ts', import.meta.url));
    const node = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ours, data, spec, `${work}ours.u8`], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (node.status !== 0) throw new Error(`our side failed (${node.status}): ${node.stderr.slice(-1000)}`);
    const py = spawnSync('python3', [fileURLToPath(new URL('./stats_numpy_baseline.py', import.meta.url)), data, String(IMAGES), String(UNITS), spec, `${work}numpy.u8`], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0) throw new Error(`numpy baseline failed (${py.status}): ${py.stderr.slice(-1000)}`);
    const a = lastJsonLine(node.stdout, 'our side');
    const b = lastJsonLine(py.stdout, 'numpy baseline');
    const ma = readFileSync(`${work}ours.u8`);
    const mb = readFileSync(`${work}numpy.u8`);
    let same = 0;
    let selectedOurs = 0;
    for (let i = 0; i < ma.length; i++) {
      if (ma[i] === mb[i]) same++;
      selectedOurs += ma[i]!;
    }
    return [
      {
        name: 'stats_vs_numpy',
        value: a.seconds / b.seconds,
        unit: 'ratio',
        ours_seconds: a.seconds,
        numpy_seconds: b.seconds,
        ours_accumulate_seconds: a.accumulate_seconds,
        mem_ratio: a.peak_rss / b.peak_rss,
        ours_peak_rss_mb: a.peak_rss / 2 ** 20,
        numpy_peak_rss_mb: b.peak_rss / 2 ** 20,
        mem_ratio_net: (a.peak_rss - a.rss_before) / (b.peak_rss - b.rss_before),
        mask_agreement: same / ma.length,
        selected_units: selectedOurs,
        units: UNITS,
        images: IMAGES,
        targets: { value: 0.2, mem_ratio: 0.05 },
      },
    ];
  } finally {
    if (!process.env.BENCH_KEEP_WORK) rmSync(work, { recursive: true, force: true });
  }
}
