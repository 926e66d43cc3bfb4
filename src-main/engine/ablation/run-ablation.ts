// An ablation study on a finished run: the selective units of one category in one layer (all, or the top
// N by CSI) are replaced by 0 or by their mean over the run's stimulus set, and so are R random sets of
// the same size from the same layer; effects on an evaluation image set (the run's own images or another
// project's) are summarized per evaluation category against the control distribution, and the study is
// stored with its manifest.
import { dirname } from 'node:path';
import { ablationFloor, type AblationMode, type AblationResult } from '../../contract/analysis-types.ts';
import type { Progress } from '../../contract/protocol.ts';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import type { SessionFactory } from '../inference/session.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { tapUnits } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { checkInputFiles } from '../runs/input-files.ts';
import { checkRunInputs, loadRunInputs, statsSource, type RunInputs, type RunStimulus } from '../runs/run-inputs.ts';
import { appInfo, platformInfo, stimulusSetHash } from '../runs/run-manifest.ts';
import { storeAnalysis } from '../storage/analyses-store.ts';
import { readRunManifest } from '../storage/runs-store.ts';
import { readLayerStats } from '../storage/statistics-store.ts';
import { listStimuliForRun } from '../storage/stimuli-store.ts';
import { readUnitColumn } from '../storage/unit-results-store.ts';
import { AblationSession, ImageBatches } from './ablation-session.ts';
import { categoryMeans, perImageMeasures, summarizeEffects, type OutputKind } from './effects.ts';
import { randomControls, selectiveByCsi } from './unit-sets.ts';

export const DEFAULT_CONTROLS = 100;
export const DEFAULT_ABLATION_SEED = 0;
export const DEFAULT_ABLATION_BATCH = 8;

export interface AblationRequest {
  run: number;
  layer: string;
  category: string;
  top?: number | undefined;
  mode?: AblationMode | undefined;
  controls?: number | undefined;
  seed?: number | undefined;
  /** Evaluate on another project's stimuli (its categories); the run's own images when omitted. */
  evalProject?: Project | undefined;
  /** Overrides the model library's output kind (needed when it is 'unknown'). */
  output?: OutputKind | undefined;
  provider?: ExecutionProviderChoice | undefined;
  batch?: number | undefined;
  sessionFactory?: SessionFactory | undefined;
}

export interface AnalysisHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
}

interface EvalSet {
  project: string;
  categories: string[];
  /** With the sha256 their project recorded. */
  images: RunStimulus[];
  hash: string;
}

function runEvalSet(project: Project, inputs: RunInputs): EvalSet {
  const categories = inputs.categories.map((c) => c.name);
  const hash = stimulusSetHash(inputs.images.map((i) => ({ sha256: i.sha256, category: categories[i.category]! })));
  return { project: project.path, categories, images: inputs.images, hash };
}

function projectEvalSet(project: Project): EvalSet {
  const { categories, images } = listStimuliForRun(project.db, dirname(project.path));
  if (images.length === 0) throw new EngineError('validation', `${project.path}: the evaluation project has no images`, { file: project.path });
  const hash = stimulusSetHash(images.map((i) => ({ sha256: i.sha256, category: categories[i.category]!.name })));
  return { project: project.path, categories: categories.map((c) => c.name), images, hash };
}

/** Per-unit mean over every image of the run's stimulus set (count-weighted over categories). */
function overallMeans(project: Project, run: number, position: number, units: number): Float32Array {
  const statsRun = statsSource(project, run);
  const stored = readLayerStats(project.db, statsRun, position);
  if (!stored || stored.state !== 'final') throw new EngineError('conflict', `run #${run}: no final statistics for layer position ${position}`, { file: project.path });
  const fill = new Float32Array(units);
  let n = 0;
  for (let k = 0; k < stored.count.length; k++) n += stored.count[k]!;
  for (let u = 0; u < units; u++) {
    let s = 0;
    for (let k = 0; k < stored.count.length; k++) s += stored.count[k]! * stored.mean[k * units + u]!;
    fill[u] = s / n;
  }
  return fill;
}

export async function ablateRun(project: Project, request: AblationRequest, hooks: AnalysisHooks = {}): Promise<AblationResult> {
  const started = performance.now();
  const db = project.db;
  const { run } = request;
  const inputs = loadRunInputs(project, run);
  const { model, taps, run: record } = inputs;
  if (record.status !== 'finished') throw new EngineError('conflict', `run #${run} is ${record.status}; ablation needs a finished run`, { file: project.path });
  const position = taps.findIndex((t) => t.name === request.layer);
  if (position < 0) throw new EngineError('validation', `run #${run} has no layer '${request.layer}' (layers: ${taps.map((t) => t.name).join(', ')})`);
  const tap = taps[position]!;
  const layerUnits = tapUnits(tap);
  const target = inputs.categories.find((c) => c.name === request.category);
  if (!target || target.role !== 'target') {
    throw new EngineError('validation', `run #${run} has no target category '${request.category}' (targets: ${inputs.categories.filter((c) => c.role === 'target').map((c) => c.name).join(', ')})`);
  }
  const selective = readUnitColumn(db, run, position, request.category, 'selective', 'u8');
  const order = readUnitColumn(db, run, position, request.category, 'csi_order', 'i32');
  if (!selective || !order) throw new EngineError('conflict', `run #${run}: no unit results for ${request.category} in ${request.layer}`, { file: project.path });
  const chosen = selectiveByCsi(selective, order, request.top);
  if (chosen.length === 0) throw new EngineError('validation', `run #${run}: no unit of ${request.layer} is selective for ${request.category}; there is nothing to ablate`);
  const outputKind = request.output ?? (model.outputKind === 'unknown' ? null : model.outputKind);
  if (!outputKind) throw new EngineError('validation', `model '${model.name}': its output is neither a recognised classifier nor an embedding; say which (--output classifier|embedding)`);

  const mode = request.mode ?? 'zero';
  const repeats = request.controls ?? DEFAULT_CONTROLS;
  const seed = request.seed ?? DEFAULT_ABLATION_SEED;
  const fill = mode === 'mean' ? overallMeans(project, run, position, layerUnits) : new Float32Array(layerUnits);
  const evalSet = request.evalProject ? projectEvalSet(request.evalProject) : runEvalSet(project, inputs);
  // The model must be the bytes the run selected its units with; the evaluation images the bytes their
  // project recorded (the run's own, checked against the run's hashes, or another project's).
  const checks = [await checkRunInputs(project, inputs, 'the ablation', hooks, request.evalProject ? [] : inputs.images)];
  if (request.evalProject) {
    checks.push(await checkInputFiles({ images: evalSet.images }, { project: evalSet.project, model: model.name, recordedBy: 'project', reader: 'the ablation' }, hooks));
  }
  const controls = randomControls(layerUnits, chosen.length, repeats, seed);

  const session = await AblationSession.open({
    modelPath: model.path,
    preprocessing: model.preprocessing,
    inputName: model.inputName,
    tensor: tap.tensor,
    provider: request.provider ?? 'auto',
    ...(request.sessionFactory ? { sessionFactory: request.sessionFactory } : {}),
  });
  let summary;
  try {
    if (session.units !== layerUnits) throw new EngineError('conflict', `${model.path}: tensor ${tap.tensor} now has ${session.units} units; run #${run} recorded ${layerUnits}`, { file: model.path });
    const batches = new ImageBatches(evalSet.images, model.preprocessing, request.batch ?? DEFAULT_ABLATION_BATCH);
    const meter = new ProgressMeter('ablation', (2 + repeats) * evalSet.images.length, (p) => hooks.progress?.(p), 'images');
    const pass = (units: ArrayLike<number>) => session.outputs(batches, units, fill, { signal: hooks.signal, onBatch: (n) => meter.tick(n) });
    const intact = await pass([]);
    const imageCategories = evalSet.images.map((i) => i.category);
    const K = evalSet.categories.length;
    const measure = async (units: ArrayLike<number>) => {
      const out = await pass(units);
      return perImageMeasures(outputKind, intact.data, out.data, intact.width).map((v) => categoryMeans(v, imageCategories, K));
    };
    const selectiveEffects = await measure(chosen);
    const controlEffects: Float64Array[][] = [];
    for (const c of controls) controlEffects.push(await measure(c));
    const counts = [...evalSet.categories.map((_, k) => imageCategories.filter((c) => c === k).length), evalSet.images.length];
    summary = summarizeEffects(outputKind, evalSet.categories, counts, selectiveEffects, controlEffects);
    for (const check of checks) check.assertUnchanged();
  } finally {
    await session.release();
  }
  const seconds = (performance.now() - started) / 1000;
  const params = { layer: request.layer, category: request.category, top: request.top ?? null, mode, controls: repeats, seed, evalProject: evalSet.project, output: outputKind };
  const analysisManifest = {
    app: appInfo(),
    kind: 'ablation',
    createdAt: new Date().toISOString(),
    run: { id: run, project: project.path, recipe: record.recipe, stimulusHash: readRunManifest(db, run)?.stimuli.hash ?? null },
    model: { name: model.name, sha256: model.sha256, tensor: tap.tensor, layer: tap.name, outputKind },
    evaluation: { project: evalSet.project, images: evalSet.images.length, categories: evalSet.categories, stimulusHash: evalSet.hash },
    settings: params,
    seeds: { controls: seed },
    execution: { requested: request.provider ?? 'auto', provider: session.provider, fallback: session.fallback, batch: request.batch ?? DEFAULT_ABLATION_BATCH },
    platform: platformInfo(),
  };
  // BH across the evaluation categories at 0.05 (docs/method.md#ablation).
  const floor = ablationFloor(repeats, 0.05);
  return storeAnalysis(db, 'ablation', run, { params, manifest: analysisManifest, seconds }, (analysis) => ({
    analysis,
    run,
    layer: tap.name,
    category: request.category,
    mode,
    units: chosen.length,
    layerUnits,
    top: request.top ?? null,
    controls: repeats,
    pFloor: floor.floor,
    warnings: floor.warning ? [floor.warning] : [],
    seed,
    outputKind,
    evalProject: evalSet.project,
    evalImages: evalSet.images.length,
    provider: session.provider,
    measures: summary,
    ablatedUnits: Array.from(chosen),
    seconds,
  }));
}
