// One shard of a sharded run, on whatever node it lands: hash-check the model and this shard's images
// against the plan, extract their sufficient statistics with the same fused-statistics path a local
// run uses, and write the .partial file. Needs no project database, only a bundle (or the project).
import { hostname, platform, arch } from 'node:os';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Progress } from '../../contract/protocol.ts';
import type { ExecutionProviderChoice, RecipeInput } from '../../contract/recipe.ts';
import { recipeSchema } from '../../contract/recipe.ts';
import type { ShardRunResult } from '../../contract/shard-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { extractSufficientStats } from '../inference/extract.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { modelSha256, sha256File } from '../models/hash.ts';
import type { StimulusRef } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { planRun } from '../runs/run-plan.ts';
import { APP_VERSION } from '../version.ts';
import { shardPositions, type ShardSpec } from './assignment.ts';
import type { ShardSource } from './bundle.ts';
import { checkReplaceablePartial, writePartial } from './partial-file.ts';
import { shardPlanFromRun } from './shard-plan.ts';

/** A shard source straight from a project (nodes that can read the project file): the plan of a local run. */
export function sourceFromProject(project: Project, model: string, layers: readonly string[] | undefined, recipe: RecipeInput | undefined): ShardSource {
  const run = planRun(project, model, layers);
  return { origin: project.path, plan: shardPlanFromRun(run, recipeSchema.parse(recipe ?? {})), modelPath: run.model.path, imagePaths: run.manifestImages.map((i) => i.path) };
}

export interface ShardRunOptions {
  provider?: ExecutionProviderChoice | undefined;
  batch?: number | undefined;
  /** MiB for the batches and merge groups; the engine's default when omitted. */
  memoryBudgetMB?: number | undefined;
}

export interface ShardHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
}

/** The scheduler job this process runs in, for the merged run's manifest. */
function schedulerJob(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `slurm ${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  if (env.SLURM_JOB_ID) return `slurm ${env.SLURM_JOB_ID}`;
  return null;
}

export async function runShard(source: ShardSource, spec: ShardSpec, outFile: string, options: ShardRunOptions = {}, hooks: ShardHooks = {}): Promise<ShardRunResult> {
  const out = resolve(outFile);
  if (!out.endsWith('.partial')) throw new EngineError('validation', `${out}: the output file name must end in .partial`, { file: out });
  checkReplaceablePartial(out);
  mkdirSync(dirname(out), { recursive: true });
  const { plan } = source;
  const positions = shardPositions(plan.images.length, spec);

  // A shard computed from a different model file or a changed image would merge silently into wrong
  // results: hash them first (the images are read for inference anyway; this shard's only).
  const checking = new ProgressMeter('checking files', positions.length + 1, (p) => hooks.progress?.(p), 'files');
  const modelSha = await modelSha256(source.modelPath).catch((error: unknown) => {
    // The model reader's own errors name the file and the problem (a missing external-data file, say).
    if (error instanceof EngineError) throw error;
    throw new EngineError('not_found', `${source.modelPath}: cannot read the model file (${(error as Error).message})`, { file: source.modelPath, cause: error });
  });
  if (modelSha !== plan.model.sha256) {
    throw new EngineError('conflict', `${source.modelPath}: sha256 ${modelSha.slice(0, 12)}... differs from the plan's model '${plan.model.name}' (${plan.model.sha256.slice(0, 12)}...)`, { file: source.modelPath });
  }
  checking.tick(1);
  for (const p of positions) {
    throwIfAborted(hooks.signal, 'the shard');
    const path = source.imagePaths[p]!;
    const sha = await sha256File(path).catch((error: unknown) => {
      throw new EngineError('not_found', `${path}: cannot read the image (${(error as Error).message})`, { file: path, cause: error });
    });
    if (sha !== plan.images[p]!.sha256) throw new EngineError('conflict', `${path}: the image changed since the run was planned (sha256 differs)`, { file: path });
    checking.tick(1);
  }

  const images: StimulusRef[] = positions.map((p) => ({ id: plan.images[p]!.id, path: source.imagePaths[p]!, category: plan.images[p]!.category }));
  const meter = new ProgressMeter('extraction', images.length, (p) => hooks.progress?.(p), 'images');
  let last = 0;
  const result = await extractSufficientStats({
    modelPath: source.modelPath,
    preprocessing: plan.model.preprocessing,
    inputName: plan.model.inputName,
    taps: plan.taps,
    images,
    categories: plan.categories.length,
    provider: options.provider ?? 'auto',
    precision: plan.precision,
    ...(options.batch !== undefined ? { batchSize: options.batch } : {}),
    ...(options.memoryBudgetMB !== undefined ? { memoryBudgetMB: options.memoryBudgetMB } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onProgress: (done) => {
      if (done > last) meter.tick(done - last);
      last = done;
    },
  });
  throwIfAborted(hooks.signal, 'the shard');
  const sha256 = writePartial(
    out,
    {
      format: 'unitscope-partial',
      plan,
      shard: spec,
      positions,
      run: {
        host: hostname(),
        job: schedulerJob(),
        provider: result.provider,
        fallback: result.providerFallback,
        batch: options.batch ?? null,
        seconds: result.seconds,
        createdAt: new Date().toISOString(),
        app: APP_VERSION,
        platform: `${platform()}-${arch()} node ${process.version}`,
      },
    },
    result.layers,
  );
  return { file: out, shard: spec, images: images.length, provider: result.provider, fallback: result.providerFallback, seconds: result.seconds, sha256 };
}
