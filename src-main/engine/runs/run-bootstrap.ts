// A run's image-bootstrap replicates (docs/method.md#image-bootstrap), computed once per (run, settings)
// and stored (storage/bootstrap-store.ts), so comparing one run with several others resamples it once.
// The per-image responses of each layer's unit subset are gathered in-graph from the run's model and
// images (layers in as few passes as fit half the memory budget), or read from the row spool a study
// kept while the run extracted (row-spool.ts), turned into replicates layer by layer and dropped: nothing
// per image is stored in the project.
import { DEFAULT_MEMORY_BUDGET_MB } from '../../contract/fields.ts';
import type { RecipeSettings } from '../../contract/recipe.ts';
import { throwIfAborted } from '../errors.ts';
import { WorkerPool, workerCount } from '../module-worker.ts';
import type { TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import type { ReplicateTask } from '../stats/image-bootstrap.ts';
import { bootstrapWeights } from '../stats/image-weights.ts';
import { unitSubset, type UnitSubset } from '../stats/unit-subset.ts';
import { readBootstrap, writeBootstrap, type StoredBootstrap } from '../storage/bootstrap-store.ts';
import { readRunCategories, readRunImages, readRunLayers } from '../storage/run-inputs-store.ts';
import { readRunManifest, readRunRecord } from '../storage/runs-store.ts';
import { targetCategories } from './results-queries.ts';
import type { RunHooks } from './run-lifecycle.ts';
import type { RowSpool } from './row-spool.ts';
import { runGatherer } from './stored-analysis.ts';

export interface BootstrapSettings {
  iterations: number;
  seed: number;
  /** Units per stratum of each layer's subset (docs/method.md#unit-subset). */
  unitsPerStratum: number;
}

/** The smallest budget the gatherer accepts (contract/fields.ts MEMORY_BUDGET_MB's floor). */
const MIN_GATHER_BUDGET_MB = 256;

/** Defaults recorded in every comparison (docs/method.md#image-bootstrap says why these). */
export const DEFAULT_BOOTSTRAP: BootstrapSettings = { iterations: 1000, seed: 0, unitsPerStratum: 2048 };

/** A comparison's settings: what it asks for, else the defaults, seeded by the recipe's seed. */
export function bootstrapSettings(recipe: Pick<RecipeSettings, 'seed'>, request: { iterations?: number | undefined; seed?: number | undefined; units?: number | undefined }): BootstrapSettings {
  return {
    iterations: request.iterations ?? DEFAULT_BOOTSTRAP.iterations,
    seed: request.seed ?? recipe.seed,
    unitsPerStratum: request.units ?? DEFAULT_BOOTSTRAP.unitsPerStratum,
  };
}

/** The settings as the stored row's key (the recipe is the run's own, so not part of it). */
export function settingsKey(s: BootstrapSettings): string {
  return JSON.stringify({ v: 1, iterations: s.iterations, seed: s.seed, unitsPerStratum: s.unitsPerStratum });
}

/** Each layer's subset seed: the comparison seed and the layer's position, so layers draw independently. */
export function layerSubset(tap: TapShape, position: number, s: BootstrapSettings): UnitSubset {
  return unitSubset(tap, s.unitsPerStratum, (s.seed * 1000003 + position * 7919) >>> 0);
}

/** Whether the spool holds layer `l`'s rows for exactly this bootstrap's subset and images. */
function spooled(spool: RowSpool | undefined, key: string, l: number, subset: UnitSubset, imageIds: readonly number[]): spool is RowSpool {
  if (!spool || spool.key !== key || !spool.has(l, imageIds)) return false;
  const units = spool.subsets[l]?.units;
  return units !== undefined && units.length === subset.units.length && units.every((u, j) => u === subset.units[j]);
}

/**
 * The run's replicates: read back when stored with these settings, else computed (and stored when
 * writable). Layers whose rows `spool` kept during the run's extraction are not gathered again.
 */
export async function runBootstrap(project: Project, runId: number, settings: BootstrapSettings, hooks: RunHooks = {}, spool?: RowSpool): Promise<StoredBootstrap> {
  const key = settingsKey(settings);
  const stored = readBootstrap(project.db, runId, key);
  if (stored) return stored;
  const started = performance.now();
  const db = project.db;
  const recipe: RecipeSettings = readRunRecord(db, runId)!.recipe;
  const taps = readRunLayers(db, runId);
  const categories = readRunCategories(db, runId).map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  const images = readRunImages(db, runId);
  const imageCategories = Int32Array.from(images, (i) => i.category);
  const weights = bootstrapWeights(settings.seed, images.map((i) => i.sha256), settings.iterations);
  const subsets = taps.map((tap, l) => layerSubset(tap, l, settings));
  const imageIds = images.map((i) => i.imageId);
  const fromSpool = subsets.map((subset, l) => spooled(spool, key, l, subset, imageIds));
  const budgetMB = readRunManifest(db, runId)?.execution.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  // Half the budget holds one pass's responses (float32); the replicates of a layer need four times its
  // responses in float64 (centered values and their squares), one layer per worker at a time, taken
  // from the other half (ResNet-50 at 2,160 images: ~140 MB per layer).
  const passBytes = (budgetMB * 1024 * 1024) / 2;
  const passes: number[][] = [];
  let bytes = Infinity;
  subsets.forEach((s, l) => {
    if (fromSpool[l]) return;
    const layerBytes = images.length * s.units.length * 4;
    if (bytes + layerBytes > passBytes) {
      passes.push([]);
      bytes = 0;
    }
    passes[passes.length - 1]!.push(l);
    bytes += layerBytes;
  });
  const values: Float64Array[] = new Array<Float64Array>(taps.length);
  // The gatherer sizes its image batches from the budget it is given; the runtime's own activations for a
  // batch of ResNet-50 took most of a 1 GiB budget by themselves (bench compare_resnet50), so it gets a quarter.
  const gatherer = passes.length > 0 ? await runGatherer(project, runId, hooks, 'auto', Math.max(MIN_GATHER_BUDGET_MB, budgetMB / 4)) : null;
  // The layers' replicates run on worker threads, one layer per core at a time; the weights are shared, not copied per layer.
  const shared = new Float64Array(new SharedArrayBuffer(weights.byteLength));
  shared.set(weights);
  const pool = new WorkerPool<ReplicateTask, Float64Array>(new URL('./bootstrap-worker.ts', import.meta.url), Math.min(workerCount(), taps.length));
  // A cancel sets the flag the workers read between blocks of iterations; terminating a worker while
  // onnxruntime runs in it would abort the whole process.
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const stop = () => Atomics.store(stopFlag, 0, 1);
  hooks.signal?.addEventListener('abort', stop);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let done = 0;
  const submit = async (l: number, rows: Float32Array) => {
    while (inFlight.size >= pool.size) await Promise.race(inFlight);
    throwIfAborted(hooks.signal, 'the image bootstrap');
    if (failure) throw failure;
    const task: ReplicateTask = { tap: taps[l]!, subset: subsets[l]!, rows, imageCategories, categories, recipe, weights: shared, iterations: settings.iterations, stop: stopFlag };
    const settled = pool.run(task, [rows.buffer as ArrayBuffer]).then(
      (layerValues) => {
        values[l] = layerValues;
        hooks.progress?.({ phase: `bootstrap of run #${runId}`, done: ++done, total: taps.length, unit: 'layers' });
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    const tracked = settled.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  try {
    for (const l of fromSpool.flatMap((yes, layer) => (yes ? [layer] : []))) await submit(l, spool!.read(l, imageIds));
    for (const pass of passes) {
      throwIfAborted(hooks.signal, 'the image bootstrap');
      hooks.progress?.({ phase: `bootstrap of run #${runId}: gathering`, done, total: taps.length, unit: 'layers' });
      const rows = await gatherer!.gatherLayers(
        pass.map((l) => ({ tap: taps[l]!.name, units: subsets[l]!.units })),
        hooks.signal,
      );
      for (const [r, l] of pass.entries()) await submit(l, rows[r]!);
    }
    await Promise.all(inFlight);
    throwIfAborted(hooks.signal, 'the image bootstrap');
    if (failure) throw failure;
  } finally {
    hooks.signal?.removeEventListener('abort', stop);
    await Promise.all(inFlight);
    await pool.close();
    await gatherer?.close();
  }
  const result: StoredBootstrap = {
    header: {
      layers: taps.map((t) => t.name),
      targets: targetCategories(db, runId),
      iterations: settings.iterations,
      subsets: subsets.map((s) => ({ units: s.units.length, channelStratum: s.channelStratum.length, spatialStratum: s.spatialStratum.length, positions: s.positions, channels: s.channels })),
    },
    values,
    seconds: (performance.now() - started) / 1000,
  };
  if (!db.readonly) writeBootstrap(db, runId, key, result);
  return result;
}
