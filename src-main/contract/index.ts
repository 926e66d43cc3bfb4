// The one contract between the renderer (and the CLI, and tests) and the engine. Every call is declared
// here once: `domain.verb`, an argument schema, the result type, and whether it is long (it reports
// progress and runs as a job: job.list, job.cancel, job.follow). The engine's handler map is checked
// against it with `satisfies HandlerMap<Api>`.
import { z } from 'zod';
import { method } from './define.ts';
import type { DemoCreated, DirectoryListing, ProjectCheckReport, ProjectInfo, SessionInfo } from './types.ts';
import type { ResultsTable, RunSummary } from './types.ts';
import type {
  DemoStimuliResult,
  RecentProject,
  ScrambleResult,
  StimuliCheckReport,
  StimuliListing,
  StimulusImportResult,
  ThumbnailData,
} from './types.ts';
import { EXECUTION_PROVIDERS, recipeInputSchema, STATS_PRECISIONS } from './recipe.ts';
import { ABLATION_CONTROLS, ABLATION_TOP, BATCH, BOOTSTRAP_ITERATIONS, GROUPS, MEMORY_BUDGET_MB, numberSchema, SEED, SHUFFLES, SPLITS, SUBSET_UNITS } from './fields.ts';
import type {
  ChannelsResult,
  CompareExport,
  CompareResult,
  ConsistencyResult,
  CsiResult,
  ExportResult,
  RunStarted,
  SpatialResult,
  UnitInspection,
  UnitsPage,
} from './results-types.ts';
import { UNIT_SORTS } from './results-types.ts';
import { GENERATOR_KINDS, modelAddArgs, modelInspectArgs, WEIGHT_ARCHITECTURES, type CatalogueEntry, type ModelInfo, type ModelInspection, type ModelRefreshResult, type TapInfo, type WeightsConversion } from './models.ts';
import type { FlocFetchResult } from './types.ts';
import { nameSchema } from './names.ts';
import { newProjectPath, projectPath, readPath, writePath } from './paths.ts';
import { ABLATION_MODES, type AblationResult, type AnalysisSummary, type ReliabilityResult, type ReplicationResult, type StoredAnalysis } from './analysis-types.ts';
import type { BundleResult, ShardMergeResult, ShardRunResult, ShardStatus } from './shard-types.ts';
import type { JobEnded, JobInfo } from './jobs.ts';
import { FIGURE_SIZE, FIGURE_DPI, type ConvertedFigure, type StudyData, type StudyInfo } from './study-types.ts';


/** Lists and maps in arguments (layers, partial files, categories) stay far below what a message could hold. */
const MAX_LIST = 10_000;
const fewEntries = (record: object) => Object.keys(record).length <= MAX_LIST;
const tooMany = `at most ${MAX_LIST} entries`;
/** Images per runtime call; by default from the provider and the memory budget (1 on the CPU's exact path). */
const batch = numberSchema(BATCH).optional();
/** MiB the call sizes its working set to (fields.ts MEMORY_BUDGET_MB); the engine's default when omitted. */
const memoryBudgetMB = numberSchema(MEMORY_BUDGET_MB).optional();
const compareArgs = z.object({
  path: projectPath,
  runs: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  force: z.boolean().optional(),
  iterations: numberSchema(BOOTSTRAP_ITERATIONS).optional(),
  seed: numberSchema(SEED).optional(),
  units: numberSchema(SUBSET_UNITS).optional(),
});
const jobId = z.object({ id: z.number().int().positive() });

export const api = {
  'app.version': method<{ version: string; node: string; platform: string }>()(z.object({})),
  /** How this engine was started: which project to open first and which folders file choices may use. */
  'app.session': method<SessionInfo>()(z.object({})),

  /** The long calls running in this engine (runs, imports, analyses, downloads, ...). */
  'job.list': method<JobInfo[]>()(z.object({})),
  /** Cancels a running job, whichever connection started it; its caller gets a 'cancelled' error. */
  'job.cancel': method<{ id: number; cancelling: true }>()(jobId),
  /** Follows a running job's progress (as this call's progress) until it ends; cancelling stops following only. */
  'job.follow': method<JobEnded>()(jobId, { long: true, job: false }),

  /** Lists a folder for the serve-mode file picker (confined to the session's roots in serve mode). */
  'fs.list': method<DirectoryListing>()(z.object({ path: readPath.optional() })),

  /** Builds the built-in demo project (procedural stimuli, generated CNN, one default run): no download. */
  'demo.create': method<DemoCreated>()(
    z.object({ out: writePath, seed: z.number().int().nonnegative().default(0) }),
    { long: true },
  ),

  'project.create': method<ProjectInfo>()(
    z.object({ path: newProjectPath, name: nameSchema.optional() }),
  ),
  'project.info': method<ProjectInfo>()(z.object({ path: projectPath })),
  /** The full integrity check: SQLite's integrity_check over every page and every stored checksum; reads only. */
  'project.check': method<ProjectCheckReport>()(z.object({ path: projectPath }), { long: true }),
  /** Opens a project (recording it in the recent list) and returns its summary. */
  'project.open': method<ProjectInfo>()(z.object({ path: projectPath })),
  'project.recent': method<RecentProject[]>()(z.object({})),
  /** New display name and/or a new file path (the NAME.files folder moves with it). */
  'project.rename': method<ProjectInfo>()(
    z.object({ path: projectPath, to: newProjectPath.optional(), name: nameSchema.optional() }),
  ),
  'project.duplicate': method<ProjectInfo>()(z.object({ path: projectPath, to: newProjectPath, name: nameSchema.optional() })),
  /** Removes the project file and its files folder; referenced stimuli are left alone. */
  'project.delete': method<{ path: string; removed: string[] }>()(z.object({ path: projectPath })),

  /** Imports a folder (one subfolder per category, or the fLoc layout) or a CSV/TSV manifest. */
  'stimuli.import': method<StimulusImportResult>()(
    z.object({
      path: projectPath,
      source: readPath,
      /** Source folder (or fLoc subcategory, or manifest category) -> the category it becomes. */
      map: z.record(z.string().min(1).max(255), nameSchema).refine(fewEntries, tooMany).optional(),
      /** Category -> the target it controls for (null: a control for none in particular). */
      controls: z.record(nameSchema, nameSchema.nullable()).refine(fewEntries, tooMany).optional(),
      /** Categories to import as targets even when named like a scrambled control. */
      targets: z.array(nameSchema).max(MAX_LIST).optional(),
      copy: z.boolean().optional(),
    }),
    { long: true },
  ),
  'stimuli.list': method<StimuliListing>()(
    z.object({
      path: projectPath,
      category: nameSchema.optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).optional(),
    }),
  ),
  /** Rescans every file (missing? changed?) and validates the set; `update` records what changed files hold now. */
  'stimuli.check': method<StimuliCheckReport>()(z.object({ path: projectPath, update: z.boolean().optional() }), { long: true }),
  'stimuli.scramble': method<ScrambleResult>()(
    z.object({
      path: projectPath,
      from: nameSchema,
      as: nameSchema,
      method: z.enum(['block', 'phase']),
      grid: z.number().int().min(2).max(256).optional(),
      seed: z.number().int().optional(),
      phaseMode: z.enum(['channels', 'luminance']).optional(),
    }),
    { long: true },
  ),
  'stimuli.thumbnails': method<ThumbnailData[]>()(z.object({ path: projectPath, ids: z.array(z.number().int()).max(500) })),
  /**
   * Downloads the fLoc stimulus set (the repository archive pinned at one commit; `url`: a mirror or a
   * local copy of that archive), checks every image against the shipped manifest and imports it with the
   * fLoc map; `controls` also makes phase-scrambled scenes and scrambled words.
   */
  'stimuli.fetchFloc': method<FlocFetchResult>()(
    z.object({ path: projectPath, url: z.string().min(1).optional(), controls: z.boolean().optional() }),
    { long: true },
  ),
  /** Writes the procedural demo localizer set into a folder (one subfolder per category). */
  'stimuli.demo': method<DemoStimuliResult>()(
    z.object({ outDir: writePath, seed: z.number().int().optional(), perCategory: z.number().int().min(1).max(1000).optional() }),
    { long: true },
  ),

  // Runs: extraction -> sufficient statistics -> analysis -> stored results (owner: engine/runs).
  'run.start': method<RunStarted>()(
    z.object({
      path: projectPath,
      model: nameSchema,
      recipe: recipeInputSchema.optional(),
      /** Tap names to analyse; all of the model's taps when omitted. */
      layers: z.array(z.string().min(1)).min(1, { error: 'choose at least one layer to analyse' }).max(MAX_LIST).optional(),
      provider: z.enum(EXECUTION_PROVIDERS).optional(),
      batch,
      /** float64 (exact, default) or float32 (fused in the graph, for GPUs); recipe.ts STATS_PRECISIONS. */
      precision: z.enum(STATS_PRECISIONS).optional(),
      /** Sizes extraction's batches and merge groups and ranksum-maxp's gathers; recorded, so a resume keeps it. */
      memoryBudgetMB,
    }),
    { long: true },
  ),
  'run.resume': method<RunStarted>()(z.object({ path: projectPath, run: z.number().int().positive() }), { long: true }),
  /** A new run from the stored sufficient statistics of `run`, with another recipe: no inference. */
  'run.reanalyze': method<{ run: number }>()(
    z.object({ path: projectPath, run: z.number().int().positive(), recipe: recipeInputSchema }),
    { long: true },
  ),
  'run.list': method<RunSummary[]>()(z.object({ path: projectPath })),

  /** The layer x category table; the latest finished run when `run` is omitted. */
  'results.table': method<ResultsTable>()(z.object({ path: projectPath, run: z.number().int().positive().optional() })),
  'results.units': method<UnitsPage>()(
    z.object({
      path: projectPath,
      run: z.number().int().positive(),
      layer: z.string().min(1),
      category: nameSchema,
      selectiveOnly: z.boolean().optional(),
      /** Only the units of these channels (the channel chart's click or brush); one query whatever their number. */
      channels: z.array(z.number().int().nonnegative()).min(1).max(65536).optional(),
      sort: z.enum(UNIT_SORTS).optional(),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(1000).default(100),
    }),
  ),
  'results.csi': method<CsiResult>()(
    z.object({ path: projectPath, run: z.number().int().positive(), layer: z.string().min(1).optional(), category: nameSchema }),
  ),
  'results.channels': method<ChannelsResult>()(
    z.object({ path: projectPath, run: z.number().int().positive(), layer: z.string().min(1), category: nameSchema }),
  ),
  'results.spatial': method<SpatialResult>()(
    z.object({ path: projectPath, run: z.number().int().positive(), layer: z.string().min(1), category: nameSchema }),
  ),
  'results.consistency': method<ConsistencyResult>()(
    z.object({ path: projectPath, run: z.number().int().positive(), category: nameSchema.optional() }),
    { long: true },
  ),
  /**
   * Two runs layer by layer: the paired image bootstrap of every claim (docs/method.md#comparison), and the
   * unit-level tests as description. Runs that differ in recipe, stimuli, preprocessing or precision are
   * refused unless `force` (then each difference is a warning in the result).
   */
  'results.compare': method<CompareResult>()(compareArgs, { long: true }),
  /** The unit inspector: category means with 95 % intervals, per-image responses, top images. */
  'results.unit': method<UnitInspection>()(
    z.object({ path: projectPath, run: z.number().int().positive(), layer: z.string().min(1), unit: z.number().int().nonnegative() }),
    { long: true },
  ),
  /** results.compare written as CSV: `out` (one row per claim x layer x category) and OUT.unit-level.csv. */
  'export.compare': method<CompareExport>()(compareArgs.extend({ out: writePath }), { long: true }),
  'export.run': method<ExportResult>()(
    z.object({
      path: projectPath,
      run: z.number().int().positive(),
      format: z.enum(['csv', 'parquet', 'npy']),
      out: writePath.optional(),
      layers: z.array(z.string().min(1)).min(1).max(MAX_LIST).optional(),
    }),
    { long: true },
  ),

  /** Adds an ONNX file to the project's model library (inspected, tapped, sha256 recorded). */
  'model.add': method<ModelInfo>()(modelAddArgs),
  'model.list': method<ModelInfo[]>()(z.object({ path: projectPath })),
  /** A model file's inputs, outputs, opset, op counts and candidate taps (auto picks marked), without adding it. */
  'model.inspect': method<ModelInspection>()(modelInspectArgs),
  /** Records what a model's file holds now (sha256, size, input, tap shapes) after it changed on disk. */
  'model.refresh': method<ModelRefreshResult>()(z.object({ path: projectPath, name: nameSchema }), { long: true }),
  /** The taps of a model: friendly name, tensor, shape and units. */
  'model.layers': method<TapInfo[]>()(z.object({ path: projectPath, name: nameSchema })),
  /** Writes an untrained control network (or the tiny test CNN) as ONNX. */
  'model.generate': method<{ file: string; bytes: number }>()(
    z.object({ kind: z.enum(GENERATOR_KINDS), seed: z.number().int().nonnegative().default(0), out: writePath }),
  ),
  /**
   * Downloads a catalogue entry into the project (resumable, checked against the entry's sha256; `url`: a
   * mirror of the same file) and adds it to the library. Serve mode fetches only https from public addresses.
   */
  'model.download': method<ModelInfo>()(
    z.object({
      path: projectPath,
      id: z.string().min(1).max(100),
      url: z.string().url().optional(),
      name: nameSchema.optional(),
    }),
    { long: true },
  ),
  'model.catalogue': method<CatalogueEntry[]>()(z.object({})),
  /** A torchvision / OpenAI-named weights file (safetensors or .pth) built into the app's network and added. */
  'model.importWeights': method<ModelInfo>()(
    z.object({ path: projectPath, file: readPath, arch: z.enum(WEIGHT_ARCHITECTURES), name: nameSchema }),
    { long: true },
  ),
  /** The same conversion written to an ONNX file of its own (`out` must not exist). */
  'model.convertWeights': method<WeightsConversion>()(
    z.object({ file: readPath, arch: z.enum(WEIGHT_ARCHITECTURES), out: writePath }),
    { long: true },
  ),

  // Causal and replication analyses (owner: engine/ablation, engine/reliability).
  /** Ablates a category's selective units in a layer (all or top N by CSI) against R random same-size sets. */
  'analysis.ablate': method<AblationResult>()(
    z.object({
      path: projectPath,
      run: z.number().int().positive(),
      layer: z.string().min(1),
      category: nameSchema,
      top: numberSchema(ABLATION_TOP).optional(),
      mode: z.enum(ABLATION_MODES).optional(),
      controls: numberSchema(ABLATION_CONTROLS).optional(),
      seed: numberSchema(SEED).optional(),
      /** Evaluate on this project's stimuli instead of the run's own images. */
      evalPath: projectPath.optional(),
      output: z.enum(['classifier', 'embedding']).optional(),
      provider: z.enum(EXECUTION_PROVIDERS).optional(),
      batch,
    }),
    { long: true },
  ),
  /** Split-half reliability of a run's selective sets and CSI per layer x category. */
  'analysis.reliability': method<ReliabilityResult>()(
    z.object({
      path: projectPath,
      run: z.number().int().positive(),
      splits: numberSchema(SPLITS).optional(),
      seed: numberSchema(SEED).optional(),
      groups: numberSchema(GROUPS).optional(),
      provider: z.enum(EXECUTION_PROVIDERS).optional(),
      batch,
      /** Bounds the grouped statistics held by one extraction pass (more taps per pass with more memory). */
      memoryBudgetMB,
    }),
    { long: true },
  ),
  /** Replication between two runs of the same model (same sha256), usually on two projects. */
  'analysis.replicate': method<ReplicationResult>()(
    z.object({
      path: projectPath,
      run: z.number().int().positive(),
      pathB: projectPath,
      runB: z.number().int().positive(),
      shuffles: numberSchema(SHUFFLES).optional(),
      seed: numberSchema(SEED).optional(),
    }),
  ),
  /** Stored analyses of a project (optionally of one run or kind), newest last. */
  'analysis.list': method<AnalysisSummary[]>()(
    z.object({ path: projectPath, run: z.number().int().positive().optional(), kind: z.enum(['ablation', 'reliability', 'replication']).optional() }),
  ),
  /** One stored analysis with its manifest and full result. */
  'analysis.get': method<StoredAnalysis>()(z.object({ path: projectPath, id: z.number().int().positive() })),

  // Sharded runs on a cluster: bundle -> one shard per node -> merge (owner: engine/shards).
  /** A self-contained folder (plan, model copy, stimuli or references to them) that nodes run shards from. */
  'shard.bundle': method<BundleResult>()(
    z.object({
      path: projectPath,
      model: nameSchema,
      out: writePath,
      reference: z.boolean().optional(),
      layers: z.array(z.string().min(1)).min(1).max(MAX_LIST).optional(),
      recipe: recipeInputSchema.optional(),
    }),
    { long: true },
  ),
  /** Shard index/count (1-based) of a bundle folder, or of a project with `model`, written to `out` (.partial). */
  'shard.run': method<ShardRunResult>()(
    z.object({
      source: readPath,
      shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }),
      out: writePath,
      model: nameSchema.optional(),
      layers: z.array(z.string().min(1)).min(1).max(MAX_LIST).optional(),
      recipe: recipeInputSchema.optional(),
      provider: z.enum(EXECUTION_PROVIDERS).optional(),
      batch,
      memoryBudgetMB,
    }),
    { long: true },
  ),
  /** Checks the partials (files or folders of them) and stores them as one run of the project. */
  'shard.merge': method<ShardMergeResult>()(z.object({ path: projectPath, files: z.array(readPath).min(1).max(MAX_LIST) }), { long: true }),
  /** Which shards exist among the partial files or folders, checked against the project. */
  'shard.status': method<ShardStatus>()(z.object({ path: projectPath, files: z.array(readPath).min(1).max(MAX_LIST) })),


  // Studies: one project x several models x one recipe (owner: engine/study; docs/figures.md).
  /** Runs every model without a finished run with these settings, then compares every pair; stored, so it can be reopened and resumed. */
  'study.start': method<StudyInfo>()(
    z.object({
      path: projectPath,
      models: z.array(nameSchema).min(2, { error: 'a study needs at least two models' }).max(32).refine((m) => new Set(m).size === m.length, { error: 'a model is listed twice' }),
      recipe: recipeInputSchema.optional(),
      name: nameSchema.optional(),
      /** Representational consistency per model (a second pass over the images); on by default. */
      consistency: z.boolean().optional(),
      /** The comparisons' image bootstrap: iterations and units per stratum (results.compare's defaults when omitted). */
      iterations: numberSchema(BOOTSTRAP_ITERATIONS).optional(),
      units: numberSchema(SUBSET_UNITS).optional(),
      provider: z.enum(EXECUTION_PROVIDERS).optional(),
      batch,
      memoryBudgetMB,
    }),
    { long: true },
  ),
  /** Continues an interrupted, failed or cancelled study where it stopped (runs resume from their checkpoints). */
  'study.resume': method<StudyInfo>()(z.object({ path: projectPath, id: z.number().int().positive() }), { long: true }),
  'study.list': method<StudyInfo[]>()(z.object({ path: projectPath })),
  'study.get': method<StudyInfo>()(z.object({ path: projectPath, id: z.number().int().positive() })),
  /** What the figures and the report are drawn from: a study's runs and comparisons, or finished runs given by id. */
  'study.data': method<StudyData>()(
    z.union([
      z.object({ path: projectPath, id: z.number().int().positive() }),
      z.object({ path: projectPath, runs: z.array(z.number().int().positive()).min(1).max(32) }),
    ]),
    { long: true },
  ),
  /** A figure's SVG as vector PDF (fonts embedded) or PNG at a resolution, at a physical size. */
  'figure.convert': method<ConvertedFigure>()(
    z.object({
      svg: z.string().min(1).max(3 * 1024 * 1024, { error: 'the figure is larger than 3 MiB of SVG' }),
      format: z.enum(['pdf', 'png']),
      widthMm: numberSchema(FIGURE_SIZE),
      heightMm: numberSchema(FIGURE_SIZE),
      dpi: numberSchema(FIGURE_DPI).optional(),
    }),
  ),

} as const;

export type Api = typeof api;
export type ApiMethod = keyof Api & string;

export * from './define.ts';
export * from './names.ts';
export * from './paths.ts';
export * from './protocol.ts';
export * from './recipe.ts';
export * from './preprocessing.ts';
export * from './models.ts';
export * from './types.ts';
export * from './results-types.ts';
export * from './analysis-types.ts';
export * from './shard-types.ts';
export * from './jobs.ts';
export * from './study-types.ts';
