// Stored runs as inputs to the run-level statistics (model comparison, consistency across layers) and a
// ResponseGatherer over a run's model and images, for the analyses that need per-image responses.
import { dirname, isAbsolute, join } from 'node:path';
import { preprocessingSchema } from '../../contract/preprocessing.ts';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import { createResponseGatherer, type ClosableResponseGatherer } from '../inference/gather.ts';
import type { LayerAnalysis, StimulusRef, UnitResults } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { readAggregate, readLayerResults, readRunImages, readRunLayers, readUnitColumn } from '../storage/results-store.ts';
import { readImagePaths, readModelById, readRunRecord } from '../storage/runs-store.ts';
import { targetCategories } from './results-queries.ts';

const EMPTY = new Float64Array(0);

/**
 * A finished run's layers as LayerAnalysis, carrying what compareRuns and consistencyMatrix read: the
 * selective masks and CSI per unit, the layer metrics, channel counts and density maps. The other
 * per-unit arrays stay empty so two ResNet-50-sized runs fit in memory (~0.4 GB instead of ~4 GB);
 * stats/compare.ts and stats/consistency.ts read only `selective` and `csi` of the unit results.
 */
export function storedLayerAnalyses(project: Project, runId: number): LayerAnalysis[] {
  const taps = readRunLayers(project.db, runId);
  const targets = targetCategories(project.db, runId);
  const rows = readLayerResults(project.db, runId);
  return taps.map((tap, position) => {
    const units: UnitResults[] = targets.map((category) => {
      const selective = readUnitColumn(project.db, runId, position, category, 'selective', 'u8');
      const csi = readUnitColumn(project.db, runId, position, category, 'csi', 'f32');
      if (!selective || !csi) throw new EngineError('internal', `run #${runId} is missing results of ${tap.name}/${category}`, { file: project.path });
      return {
        category,
        selective,
        csi: Float64Array.from(csi),
        tMin: EMPTY,
        pMax: EMPTY,
        qMax: EMPTY,
        meanTarget: EMPTY,
        meanOthers: EMPTY,
        dprime: EMPTY,
        dprimeSecond: EMPTY,
        meanPairT: EMPTY,
      };
    });
    const metrics: LayerAnalysis['metrics'] = {};
    const density: LayerAnalysis['density'] = {};
    const channelCounts: LayerAnalysis['channelCounts'] = {};
    for (const category of targets) {
      const row = rows.find((r) => r.position === position && r.category === category);
      metrics[category] = Object.fromEntries(Object.entries(row?.metrics ?? {}).map(([k, v]) => [k, v ?? NaN]));
      density[category] = Float64Array.from(readAggregate<number[]>(project.db, runId, 'density', position, category) ?? []);
      const channels = readAggregate<{ channel: number; selective: number }[]>(project.db, runId, 'channels', position, category) ?? [];
      const counts = new Float64Array(tap.channels);
      for (const c of channels) counts[c.channel] = c.selective;
      channelCounts[category] = counts;
    }
    const overlap = readAggregate<number[]>(project.db, runId, 'overlap', position, '') ?? [];
    return { tap, units, metrics, density, channelCounts, overlap };
  });
}

/** Per-image responses of a run's model over the run's images (in the run's order). Close it after use. */
export async function runGatherer(project: Project, runId: number, provider: ExecutionProviderChoice = 'auto', memoryBudgetMB?: number): Promise<ClosableResponseGatherer> {
  const record = readRunRecord(project.db, runId);
  if (!record) throw new EngineError('not_found', `${project.path}: no run #${runId}`, { file: project.path });
  const model = readModelById(project.db, record.modelId);
  if (!model) throw new EngineError('not_found', `run #${runId}: its model no longer exists in the project`, { file: project.path });
  const base = dirname(project.path);
  const runImages = readRunImages(project.db, runId);
  const files = readImagePaths(project.db, runImages.map((i) => i.imageId));
  const images: StimulusRef[] = runImages.map((i) => {
    const file = files.get(i.imageId);
    if (!file || file.status === 'missing') throw new EngineError('not_found', `run #${runId}: image ${i.imageId} is missing from the project`, { file: project.path });
    return { id: i.imageId, path: isAbsolute(file.path) ? file.path : join(base, file.path), category: i.category };
  });
  return createResponseGatherer({
    modelPath: isAbsolute(model.path) ? model.path : join(base, model.path),
    preprocessing: preprocessingSchema.parse(JSON.parse(model.preprocessing) as unknown),
    inputName: model.inputName,
    taps: readRunLayers(project.db, runId),
    images,
    provider,
    ...(memoryBudgetMB !== undefined ? { memoryBudgetMB } : {}),
  });
}
