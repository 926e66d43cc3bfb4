// A bundle: a self-contained folder a cluster node can run shards from without the project database.
//   bundle.json   format, the shard plan (model sha256 and preprocessing, taps, categories, recipe,
//                 every image's sha256) and where each file is
//   model/        a copy of the model file (model.onnx) and of any external-data files it names
//   images/       copies of the stimuli, one folder per category (absent with --reference: bundle.json
//                 then names the images' absolute paths, for clusters that share a file system)
// Every copy is hashed as it is made and compared with the project's record, so a bundle never carries
// a file that changed since it was imported; shard runs hash the model and their images again.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { BundleResult } from '../../contract/shard-types.ts';
import { EngineError, quoted, throwIfAborted } from '../errors.ts';
import { isInsideFolder } from '../owned-files.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { modelDataFiles, modelSha256, sha256File } from '../models/hash.ts';
import { copyModelFiles } from '../models/model-files.ts';
import type { Project } from '../project.ts';
import { planRun, type RunPlan } from '../runs/run-plan.ts';
import { APP_VERSION } from '../version.ts';
import { checkShardPlan, shardPlanFromRun, type ShardPlan } from './shard-plan.ts';
import type { Progress } from '../../contract/protocol.ts';
import { recipeSchema, type RecipeInput } from '../../contract/recipe.ts';

export const BUNDLE_FILE = 'bundle.json';
export const BUNDLE_VERSION = 1;

export interface BundleJson {
  format: 'unitscope-bundle';
  version: number;
  createdAt: string;
  app: string;
  /** The project it was made from (for people reading it; merges check hashes, not paths). */
  project: string;
  plan: ShardPlan;
  files: {
    /** Relative to the bundle folder. */
    model: string;
    stimuli: 'copied' | 'referenced';
    /** One per plan image: relative to the bundle folder when copied, absolute when referenced. */
    images: string[];
  };
}

/** What a shard run reads: the plan and where its files are (absolute paths). */
export interface ShardSource {
  /** The bundle folder or project file it came from, for messages. */
  origin: string;
  plan: ShardPlan;
  modelPath: string;
  imagePaths: string[];
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export interface BundleHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
}

export interface BundleRequest {
  model: string;
  out: string;
  /** Point at the stimuli where they are (a file system the nodes share) instead of copying them. */
  reference?: boolean | undefined;
  layers?: readonly string[] | undefined;
  recipe?: RecipeInput | undefined;
}

/** Plans a run of `request.model` on the project's stimuli and writes its bundle. */
export async function createBundle(project: Project, request: BundleRequest, hooks: BundleHooks = {}): Promise<BundleResult> {
  const run = planRun(project, request.model, request.layers);
  const plan = shardPlanFromRun(run, recipeSchema.parse(request.recipe ?? {}));
  return writeBundle(project, run, plan, request.out, request.reference === true, hooks);
}

/**
 * Writes a bundle of `plan` (built from `run`, the runs module's plan of the project) into `outDir`,
 * which must not exist or be empty.
 */
export async function writeBundle(project: Project, run: RunPlan, plan: ShardPlan, outDir: string, reference: boolean, hooks: BundleHooks = {}): Promise<BundleResult> {
  const dir = resolve(outDir);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new EngineError('conflict', `${dir}: the bundle folder must be new or empty`, { file: dir });
  }
  mkdirSync(dir, { recursive: true });
  const modelSource = run.model.path;
  // In a folder of its own: external-data files keep the names the .onnx gives them.
  const modelName = 'model/model.onnx';
  const externalData = modelDataFiles(modelSource);
  let bytes = 0;
  const meter = new ProgressMeter('bundle', plan.images.length + 1, (p) => hooks.progress?.(p), 'files');
  copyModelFiles(modelSource, externalData, join(dir, modelName), 'the bundle');
  bytes += statSync(join(dir, modelName)).size + externalData.reduce((sum, d) => sum + statSync(d.path).size, 0);
  if ((await modelSha256(join(dir, modelName))) !== plan.model.sha256) {
    throw new EngineError('conflict', `${modelSource}: the model file changed since it was added to the project (sha256 differs); add it again`, { file: modelSource });
  }
  meter.tick(1);
  const images: string[] = [];
  for (const [p, image] of plan.images.entries()) {
    throwIfAborted(hooks.signal, 'the bundle');
    const absolute = run.manifestImages[p]!.path;
    if (reference) {
      images.push(absolute);
    } else {
      const category = safeName(plan.categories[image.category]!.name);
      const relativePath = join('images', category, `${String(p).padStart(6, '0')}-${safeName(basename(absolute))}`);
      mkdirSync(join(dir, 'images', category), { recursive: true });
      copyInto(absolute, join(dir, relativePath), 'image');
      if ((await sha256File(join(dir, relativePath))) !== image.sha256) {
        throw new EngineError('conflict', `${absolute}: the image changed since it was imported (sha256 differs); rescan the stimuli first`, { file: absolute });
      }
      bytes += statSync(join(dir, relativePath)).size;
      images.push(relativePath);
    }
    meter.tick(1);
  }
  const json: BundleJson = {
    format: 'unitscope-bundle',
    version: BUNDLE_VERSION,
    createdAt: new Date().toISOString(),
    app: APP_VERSION,
    project: project.path,
    plan,
    files: { model: modelName, stimuli: reference ? 'referenced' : 'copied', images },
  };
  const text = `${JSON.stringify(json, null, 1)}\n`;
  writeFileSync(join(dir, BUNDLE_FILE), text);
  bytes += Buffer.byteLength(text);
  return {
    dir,
    model: { name: plan.model.name, sha256: plan.model.sha256, bytes: plan.model.bytes },
    images: plan.images.length,
    stimuli: json.files.stimuli,
    stimuliHash: plan.stimuliHash,
    settingsHash: plan.settingsHash,
    bytes,
  };
}

function copyInto(from: string, to: string, what: string): void {
  try {
    copyFileSync(from, to);
  } catch (error) {
    throw new EngineError((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not_found' : 'io', `${from}: cannot copy the ${what} into the bundle (${(error as Error).message})`, { file: from, cause: error });
  }
}

/** Reads and checks a bundle folder (or its bundle.json). */
export function readBundle(path: string): ShardSource {
  const full = resolve(path);
  const file = full.endsWith('.json') ? full : join(full, BUNDLE_FILE);
  const dir = dirname(file);
  let json: BundleJson;
  try {
    if (!statSync(file).isFile()) throw new Error('not a regular file'); // a FIFO would block the read
    json = JSON.parse(readFileSync(file, 'utf8')) as BundleJson;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('not_found', `${full}: not a bundle (no ${BUNDLE_FILE}); give a bundle folder or a .unitscope project`, { file });
    throw new EngineError('bad_input', `${file}: unreadable bundle (${(error as Error).message})`, { file, cause: error });
  }
  if (json?.format !== 'unitscope-bundle') throw new EngineError('bad_input', `${file}: not a Unitscope bundle`, { file });
  if (json.version !== BUNDLE_VERSION) {
    throw new EngineError('unsupported', `${file}: bundle format version ${json.version}; this Unitscope reads version ${BUNDLE_VERSION}`, { file });
  }
  const plan = checkShardPlan(json.plan, file);
  if (!json.files || !Array.isArray(json.files.images) || json.files.images.length !== plan.images.length) {
    throw new EngineError('bad_input', `${file}: the file list does not match the plan's ${plan.images.length} images`, { file });
  }
  // The bundle's own files stay inside its folder (a bundle someone sent cannot name ../../ files);
  // absolute image paths are the referenced stimuli of a `--reference` bundle.
  const own = (p: unknown): string => {
    if (typeof p !== 'string' || !isInsideFolder(dir, join(dir, p))) throw new EngineError('bad_input', `${file}: a bundle file ${quoted(String(p))} lies outside the bundle folder`, { file });
    return join(dir, p);
  };
  return {
    origin: dir,
    plan,
    modelPath: own(json.files.model),
    imagePaths: json.files.images.map((p) => (typeof p === 'string' && isAbsolute(p) ? p : own(p))),
  };
}
