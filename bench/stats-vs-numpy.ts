// stats_vs_numpy: pairwise-t + BH selection on identical data, Unitscope (sufficient statistics) against
// the usual lab pipeline in numpy/scipy (bench/stats_numpy_baseline.py: every image's activations in
// memory, scipy.stats.ttest_ind + false_discovery_control per contrast). Both sides run in their own
// child process (ours: bench/_stats-vs-numpy-ours.ts, which loads only the statistics stage) so each
// peak RSS (VmHWM, worker threads included) is its own. Our side runs twice:
// - built as the desktop app builds its analysis worker (electron.vite.config.ts: vite, dependencies
//   external, plain Node): `value`, `mem_ratio` and `mem_ratio_net` are this one's;
// - from source under tsx, as `unitscope` runs from a checkout: `mem_ratio_tsx` (tsx's compiler thread
//   and transformed modules hold ~55 MB before any data).
// value = our analysis time / numpy's analysis time (both after the data is in place: our sufficient
// statistics come from the extractor in a real run, their activations from a forward hook); mem_ratio =
// our peak RSS / numpy's peak RSS; mem_ratio_net the same less each interpreter's resident size before
// any data. Targets (issue 20): value <= 0.2, mem_ratio <= 0.05. The selection masks of each of our runs
// are compared with numpy's and the agreement is reported.
// What the peaks hold is described in docs/performance.md. Size: one layer2-sized tap (512 x 28 x 28
// units), 6 categories x 144 images (fLoc's count). BENCH_KEEP_WORK=1 keeps the data in bench/.work.
import { spawnSync } from 'node:child_process';
import { build } from 'vite';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultRecipe } from '../src-main/contract/recipe.ts';
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

/** Our side built as electron.vite.config.ts builds the analysis worker (dependencies stay in node_modules). */
async function buildOurSide(source: string, outDir: string): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: { ssr: source, outDir, emptyOutDir: true, target: 'node20', minify: false, rollupOptions: { output: { format: 'es', entryFileNames: 'ours.mjs' } } },
  });
  return `${outDir}/ours.mjs`;
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
    writeFileSync(spec, JSON.stringify({ recipe: defaultRecipe, tap, categories, imageCategories }));
    const source = fileURLToPath(new URL('./_stats-vs-numpy-ours.ts', import.meta.url));
    // Inside the checkout, so the built module finds node_modules as the app's does.
    const builtSide = await buildOurSide(source, `${work}built`);
    const ourSide = (args: string[], masks: string, who: string): SideReport => {
      const node = spawnSync(process.execPath, ['--expose-gc', ...args, data, spec, masks], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (node.status !== 0) throw new Error(`${who} failed (${node.status}): ${node.stderr.slice(-1000)}`);
      return lastJsonLine(node.stdout, who);
    };
    const a = ourSide([builtSide], `${work}ours.u8`, 'our side (built)');
    const tsx = ourSide(['--import', 'tsx', source], `${work}ours-tsx.u8`, 'our side (tsx)');
    const py = spawnSync('python3', [fileURLToPath(new URL('./stats_numpy_baseline.py', import.meta.url)), data, String(IMAGES), String(UNITS), spec, `${work}numpy.u8`], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0) throw new Error(`numpy baseline failed (${py.status}): ${py.stderr.slice(-1000)}`);
    const b = lastJsonLine(py.stdout, 'numpy baseline');
    const mb = readFileSync(`${work}numpy.u8`);
    const agreement = (masks: string) => {
      const ma = readFileSync(masks);
      let same = 0;
      let selected = 0;
      for (let i = 0; i < ma.length; i++) {
        if (ma[i] === mb[i]) same++;
        selected += ma[i]!;
      }
      return { agreement: same / ma.length, selected };
    };
    const fromBuilt = agreement(`${work}ours.u8`);
    const fromSource = agreement(`${work}ours-tsx.u8`);
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
        mem_ratio_tsx: tsx.peak_rss / b.peak_rss,
        ours_tsx_peak_rss_mb: tsx.peak_rss / 2 ** 20,
        ours_tsx_seconds: tsx.seconds,
        mask_agreement: fromBuilt.agreement,
        mask_agreement_tsx: fromSource.agreement,
        selected_units: fromBuilt.selected,
        units: UNITS,
        images: IMAGES,
        targets: { value: 0.2, mem_ratio: 0.05 },
      },
    ];
  } finally {
    if (!process.env.BENCH_KEEP_WORK) rmSync(work, { recursive: true, force: true });
  }
}
