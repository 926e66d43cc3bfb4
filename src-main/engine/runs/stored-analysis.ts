// Stored runs as inputs to the run-level statistics (model comparison, consistency across layers) and a
// ResponseGatherer over a run's model and images, for the analyses that need per-image responses.
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import { createResponseGatherer, type ClosableResponseGatherer } from '../inference/gather.ts';
import type { LayerAnalysis, UnitResults } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { readAggregate, readLayerResults } from '../storage/layer-results-store.ts';
import { readRunLayers } from '../storage/run-inputs-store.ts';
import { targetCategories } from './results-queries.ts';
import { checkRunInputs, loadRunInputs } from './run-inputs.ts';
import type { RunHooks } from './run-lifecycle.ts';
import { UnitValues } from './unit-values.ts';

const EMPTY = new Float64Array(0);

/**
 * A finished run's layers as LayerAnalysis, carrying what compareRuns and consistencyMatrix read: the
 * selective masks and CSI per unit, the layer metrics, channel counts and density maps. t and q stay
 * empty so two ResNet-50-sized runs fit in memory: stats/compare.ts and stats/consistency.ts read only
 * `selective` and `csi` of the unit results.
 */
export function storedLayerAnalyses(project: Project, runId: number): LayerAnalysis[] {
  const taps = readRunLayers(project.db, runId);
  const targets = targetCategories(project.db, runId);
  const rows = readLayerResults(project.db, runId);
  const values = new UnitValues(project, runId);
  return taps.map((tap, position) => {
    const units: UnitResults[] = targets.map((category) => {
      // One read of the records for both columns.
      const fields = values.fields(position, category, ['selective', 'csi']);
      const selective = fields?.selective as Uint8Array | undefined;
      const csi = fields?.csi;
      if (!selective || !csi) throw new EngineError('internal', `run #${runId} is missing results of ${tap.name}/${category}`, { file: project.path });
      return { category, selective, csi: Float64Array.from(csi), tMin: EMPTY, qMax: EMPTY };
    });
    const metrics: LayerAnalysis['metrics'] = {};
    const density: LayerAnalysis['density'] = {};
    const channelCounts: LayerAnalysis['channelCounts'] = {};
    for (const category of targets) {
      const row = rows.find((r) => r.position === position && r.category === category);
      metrics[category] = Object.fromEntries(Object.entries(row?.metrics ?? {}).map(([k, v]) => [k, v ?? NaN]));
      density[category] = Float64Array.from(readAggregate(project.db, runId, 'density', position, category) ?? []);
      const channels = readAggregate(project.db, runId, 'channels', position, category) ?? [];
      const counts = new Float64Array(tap.channels);
      for (const c of channels) counts[c.channel] = c.selective;
      channelCounts[category] = counts;
    }
    const overlap = readAggregate(project.db, runId, 'overlap', position, '') ?? [];
    return { tap, units, metrics, density, channelCounts, overlap };
  });
}

/**
 * Per-image responses of a run's model over the run's images (in the run's order), for analyses that
 * combine them with the run's stored statistics: the files are checked against the run's hashes before
 * the gatherer opens and again after every gather, so a response never comes from other bytes.
 * Close it after use.
 */
export async function runGatherer(project: Project, runId: number, hooks: RunHooks = {}, provider: ExecutionProviderChoice = 'auto', memoryBudgetMB?: number): Promise<ClosableResponseGatherer> {
  const inputs = loadRunInputs(project, runId);
  const checked = await checkRunInputs(project, inputs, `the per-image analysis of run #${runId}`, hooks);
  const { model, taps, images } = inputs;
  const gatherer = await createResponseGatherer({
    modelPath: model.path,
    preprocessing: model.preprocessing,
    inputName: model.inputName,
    taps,
    images,
    provider,
    ...(memoryBudgetMB !== undefined ? { memoryBudgetMB } : {}),
  });
  checked.assertUnchanged();
  return {
    images: gatherer.images,
    provider: gatherer.provider,
    providerFallback: gatherer.providerFallback,
    maxUnitsPerCall: () => gatherer.maxUnitsPerCall(),
    close: () => gatherer.close(),
    async gather(tap, units, signal) {
      const values = await gatherer.gather(tap, units, signal);
      checked.assertUnchanged();
      return values;
    },
    async gatherLayers(requests, signal) {
      const values = await gatherer.gatherLayers(requests, signal);
      checked.assertUnchanged();
      return values;
    },
  };
}
