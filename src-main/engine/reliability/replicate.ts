// Replication of a run's selective units by a run of the same model (same sha256) on another stimulus set,
// usually another project: per layer x target category present in both, Dice and Jaccard of the selective
// sets and Pearson r of the CSI, each against the shuffled-units null. Stored in project A.
import type { ReplicationResult, ReplicationRow } from '../../contract/analysis-types.ts';
import { EngineError } from '../errors.ts';
import { tapUnits } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { createRng, deriveSeed } from '../random.ts';
import { requireRunRecord } from '../runs/run-inputs.ts';
import { appInfo, platformInfo } from '../runs/run-manifest.ts';
import { UnitValues } from '../runs/unit-values.ts';
import { storeAnalysis } from '../storage/analyses-store.ts';
import { readRunCategories, readRunLayers } from '../storage/run-inputs-store.ts';
import { getModelById } from '../storage/models-store.ts';
import { readRunManifest } from '../storage/runs-store.ts';
import { expectedDice, meanSd, pearson, setAgreement, shuffledNull, upperP } from './overlap.ts';

export const DEFAULT_SHUFFLES = 1000;
export const DEFAULT_REPLICATION_SEED = 0;

export interface ReplicationRequest {
  runA: number;
  projectB: Project;
  runB: number;
  shuffles?: number | undefined;
  seed?: number | undefined;
}

function finishedRun(project: Project, run: number) {
  const record = requireRunRecord(project, run);
  if (record.status !== 'finished') throw new EngineError('conflict', `${project.path}: run #${run} is ${record.status}; replication needs finished runs`, { file: project.path });
  const manifest = readRunManifest(project.db, run);
  const sha256 = manifest?.model.sha256 ?? getModelById(project.db, project.path, record.modelId)?.sha256;
  if (!sha256) throw new EngineError('not_found', `${project.path}: run #${run} records no model sha256`, { file: project.path });
  return { record, sha256, manifest };
}

export function replicateRuns(projectA: Project, request: ReplicationRequest): ReplicationResult {
  const started = performance.now();
  const { runA, runB, projectB } = request;
  const a = finishedRun(projectA, runA);
  const b = finishedRun(projectB, runB);
  if (a.sha256 !== b.sha256) {
    throw new EngineError('validation', `run #${runA} and run #${runB} used different models (sha256 ${a.sha256.slice(0, 12)}… vs ${b.sha256.slice(0, 12)}…); replication compares one model on two stimulus sets`);
  }
  const shuffles = request.shuffles ?? DEFAULT_SHUFFLES;
  const seed = request.seed ?? DEFAULT_REPLICATION_SEED;
  const layersA = readRunLayers(projectA.db, runA);
  const layersB = readRunLayers(projectB.db, runB);
  const targetsB = new Set(readRunCategories(projectB.db, runB).filter((c) => c.role === 'target').map((c) => c.name));
  const targets = readRunCategories(projectA.db, runA).filter((c) => c.role === 'target' && targetsB.has(c.name)).map((c) => c.name);
  if (targets.length === 0) throw new EngineError('validation', `run #${runA} and run #${runB} share no target category`);
  const rows: ReplicationRow[] = [];
  const valuesA = new UnitValues(projectA, runA);
  const valuesB = new UnitValues(projectB, runB);
  layersA.forEach((tapA, posA) => {
    const posB = layersB.findIndex((t) => t.name === tapA.name);
    if (posB < 0) return;
    const units = tapUnits(tapA);
    const tapB = layersB[posB]!;
    if (tapUnits(tapB) !== units) return;
    for (const category of targets) {
      const fieldsA = valuesA.fields(posA, category, ['selective', 'csi']);
      const fieldsB = valuesB.fields(posB, category, ['selective', 'csi']);
      if (!fieldsA || !fieldsB) continue;
      const [selA, selB] = [fieldsA.selective as Uint8Array, fieldsB.selective as Uint8Array];
      const [csiA, csiB] = [fieldsA.csi as Float32Array, fieldsB.csi as Float32Array];
      const agreement = setAgreement(selA, selB);
      const r = pearson(csiA, csiB);
      // One stream per layer x category, so adding a layer never changes another row's null.
      const nulls = shuffledNull(selA, selB, csiA, csiB, shuffles, createRng(deriveSeed(seed, `${tapA.name}\t${category}`)));
      rows.push({
        layer: tapA.name,
        category,
        units,
        selectedA: agreement.a,
        selectedB: agreement.b,
        overlap: agreement.overlap,
        dice: agreement.dice,
        jaccard: agreement.jaccard,
        csiR: r.r,
        csiUnits: r.n,
        expectedDice: expectedDice(agreement.a, agreement.b, units),
        nullDice: meanSd(nulls.dice),
        nullJaccard: meanSd(nulls.jaccard),
        nullCsiR: meanSd(nulls.csiR),
        pDice: upperP(agreement.dice, nulls.dice),
        pJaccard: upperP(agreement.jaccard, nulls.jaccard),
        pCsiR: upperP(r.r, nulls.csiR),
      });
    }
  });
  if (rows.length === 0) throw new EngineError('validation', `run #${runA} and run #${runB} share no layer with the same number of units`);
  const params = { runB, projectB: projectB.path, shuffles, seed };
  const manifest = {
    app: appInfo(),
    kind: 'replication',
    createdAt: new Date().toISOString(),
    model: { sha256: a.sha256 },
    runA: { id: runA, project: projectA.path, recipe: a.record.recipe, stimulusHash: a.manifest?.stimuli.hash ?? null },
    runB: { id: runB, project: projectB.path, recipe: b.record.recipe, stimulusHash: b.manifest?.stimuli.hash ?? null },
    settings: params,
    seeds: { shuffles: seed },
    platform: platformInfo(),
  };
  return storeAnalysis(projectA.db, 'replication', runA, { params, manifest, seconds: (performance.now() - started) / 1000 }, (analysis) => ({
    analysis,
    runA,
    projectB: projectB.path,
    runB,
    sha256: a.sha256,
    shuffles,
    seed,
    rows,
  }));
}
