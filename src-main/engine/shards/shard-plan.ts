// The portable description of a sharded run: everything a node needs to compute its shard and
// everything a merge must find identical across shards (model bytes, preprocessing, taps, categories,
// the stimulus set down to each image's sha256, the recipe). It is built from the runs module's run
// plan, so a merged run covers exactly the images and categories a local run of the project would.
import { createHash } from 'node:crypto';
import { preprocessingSchema, type Preprocessing } from '../../contract/preprocessing.ts';
import { needsPerImage, recipeSchema, type RecipeSettings, type StatsPrecision } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import type { CategoryDef, TapShape } from '../pipeline-types.ts';
import type { RunPlan } from '../runs/run-plan.ts';
import { stimulusSetHash } from '../runs/run-manifest.ts';

export interface ShardPlan {
  model: { name: string; sha256: string; bytes: number; source: string | null; preprocessing: Preprocessing; inputName: string };
  taps: TapShape[];
  categories: (CategoryDef & { images: number })[];
  /** Run order; `category` indexes `categories`. `id` is the image's id in the project it came from. */
  images: { id: number; sha256: string; category: number }[];
  recipe: RecipeSettings;
  /** In-graph arithmetic of the fused statistics: shards must agree so their sums are alike. */
  precision: StatsPrecision;
  /** The run manifest's stimulus hash (category and sha256 of every image, in run order). */
  stimuliHash: string;
  /** sha256 over the canonical JSON of everything above except the images (covered by stimuliHash). */
  settingsHash: string;
}

export const SHARD_PRECISION: StatsPrecision = 'float64';

/** JSON with object keys sorted, so equal settings give equal text whatever order they were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

type Settings = Omit<ShardPlan, 'images' | 'settingsHash' | 'stimuliHash'>;

function settingsOf(plan: Settings): Record<string, unknown> {
  return {
    model: { sha256: plan.model.sha256, preprocessing: plan.model.preprocessing, inputName: plan.model.inputName },
    taps: plan.taps,
    categories: plan.categories,
    recipe: plan.recipe,
    precision: plan.precision,
  };
}

export function settingsHash(plan: Settings): string {
  return createHash('sha256').update(canonicalJson(settingsOf(plan))).digest('hex');
}

/**
 * A tap as the plan records it: its whole shape, the defaults left out (as TapShape leaves them out), so a
 * C x H x W tap hashes as it always did. The token layout, the class tokens and the batch axis change the
 * units a shard extracts: a plan without them made ViT shards count C x H x W units of a C x (1 + H x W) tap.
 */
function planTap(tap: TapShape): TapShape {
  const { name, tensor, channels, height, width } = tap;
  return {
    name,
    tensor,
    channels,
    height,
    width,
    ...(tap.layout === 'tokens' ? { layout: 'tokens' as const, ...(tap.extraTokens ? { extraTokens: tap.extraTokens } : {}) } : {}),
    ...(tap.batchAxis === 1 ? { batchAxis: 1 as const } : {}),
  };
}

export function shardPlanFromRun(run: RunPlan, recipe: RecipeSettings): ShardPlan {
  if (needsPerImage(recipe)) {
    throw new EngineError('unsupported', `${recipe.recipe} needs per-image responses, which sharded runs do not carry; choose a recipe that works from sufficient statistics`);
  }
  const base: Settings = {
    model: {
      name: run.model.name,
      sha256: run.model.sha256,
      bytes: run.model.bytes,
      source: run.model.source,
      preprocessing: run.model.preprocessing,
      inputName: run.model.inputName,
    },
    taps: run.taps.map(planTap),
    categories: run.categories.map(({ name, role, controlsFor, images }) => ({ name, role, controlsFor, images })),
    recipe,
    precision: SHARD_PRECISION,
  };
  return {
    ...base,
    images: run.images.map((i) => ({ id: i.imageId, sha256: i.sha256, category: i.category })),
    stimuliHash: stimulusSetHash(run.manifestImages),
    settingsHash: settingsHash(base),
  };
}

/** Re-validates a plan read from a file (bundle.json, a partial's header): types, and that its hashes hold. */
export function checkShardPlan(value: unknown, file: string): ShardPlan {
  const plan = value as ShardPlan;
  if (!plan || typeof plan !== 'object' || !plan.model || !Array.isArray(plan.taps) || !Array.isArray(plan.categories) || !Array.isArray(plan.images)) {
    throw new EngineError('bad_input', `${file}: not a shard plan (fields missing)`, { file });
  }
  const recipe = recipeSchema.safeParse(plan.recipe);
  const preprocessing = preprocessingSchema.safeParse(plan.model.preprocessing);
  if (!recipe.success || !preprocessing.success) throw new EngineError('bad_input', `${file}: the recorded ${recipe.success ? 'preprocessing' : 'recipe'} is not valid`, { file });
  if (settingsHash(plan) !== plan.settingsHash) throw new EngineError('bad_input', `${file}: the settings do not match their recorded hash (edited by hand?)`, { file });
  const manifestImages = plan.images.map((i) => ({ id: i.id, path: '', sha256: i.sha256, category: plan.categories[i.category]?.name ?? '' }));
  if (stimulusSetHash(manifestImages) !== plan.stimuliHash) throw new EngineError('bad_input', `${file}: the image list does not match its recorded stimulus hash (edited by hand?)`, { file });
  return plan;
}

/**
 * The first way `plan` differs from `expected` as a phrase ("made with model 'x' sha256 ..."), or null
 * when they describe the same run. Model, stimuli and settings are named separately so a refusal says
 * what to fix.
 */
export function describeDifference(plan: ShardPlan, expected: ShardPlan, expectedName: string): string | null {
  if (plan.model.sha256 !== expected.model.sha256) {
    return `was made with model '${plan.model.name}' (sha256 ${plan.model.sha256.slice(0, 12)}...), but ${expectedName} has model '${expected.model.name}' with sha256 ${expected.model.sha256.slice(0, 12)}...`;
  }
  if (plan.stimuliHash !== expected.stimuliHash) {
    return `was made for another stimulus set (${plan.images.length} images, hash ${plan.stimuliHash.slice(0, 12)}...) than ${expectedName} (${expected.images.length} images, hash ${expected.stimuliHash.slice(0, 12)}...)`;
  }
  const diff = firstDifference(settingsOf(plan), settingsOf(expected), '');
  return diff ? `has other settings than ${expectedName}: ${diff}` : null;
}

/** "recipe.alpha 0.01 vs 0.05": the first leaf where two JSON-like values differ. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (found) return found;
    }
    return null;
  }
  const left = canonicalJson(a);
  const right = canonicalJson(b);
  return left === right ? null : `${path} ${abbreviate(left ?? 'missing')} vs ${abbreviate(right ?? 'missing')}`;
}

function abbreviate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
