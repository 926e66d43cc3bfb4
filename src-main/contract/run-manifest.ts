// The reproducibility manifest of a run, declared once as a schema: the engine builds it
// (engine/runs/run-manifest.ts), storage parses it on every read, exports write it as manifest.json.
// It says exactly what was computed and how to compute it again: app version, model bytes and
// preprocessing, taps, the stimulus set down to each image's sha256, every recipe setting and seed,
// execution provider, timings, platform. Fields added later are optional so older runs still parse.
import { z } from 'zod';
import { preprocessingSchema } from './preprocessing.ts';
import { recipeSchema, STATS_PRECISIONS } from './recipe.ts';

/** A tap as the engine's TapShape: layout and extraTokens only for token layouts (absent: 'chw', 0), batchAxis only when 1. */
const tapSchema = z.object({
  name: z.string(),
  tensor: z.string(),
  channels: z.number().int(),
  height: z.number().int(),
  width: z.number().int(),
  layout: z.enum(['chw', 'tokens']).optional(),
  extraTokens: z.number().int().optional(),
  batchAxis: z.literal(1).optional(),
});

const categorySchema = z.object({
  name: z.string(),
  role: z.enum(['target', 'control']),
  controlsFor: z.string().nullable(),
  images: z.number().int(),
});

const imageSchema = z.object({ id: z.number().int(), path: z.string(), sha256: z.string(), category: z.string() });

/** One shard of a merged run: where and how it ran, and what it covered. */
const shardSchema = z.object({
  index: z.number().int(),
  count: z.number().int(),
  file: z.string(),
  sha256: z.string(),
  host: z.string(),
  /** Scheduler job, e.g. "slurm 1234_2". */
  job: z.string().nullable(),
  provider: z.string(),
  fallback: z.string().nullable(),
  images: z.number().int(),
  seconds: z.number(),
  createdAt: z.string(),
  app: z.string(),
  platform: z.string(),
});

const seconds = z.number().nullable();

/** One execution provider in the order tried: used, skipped before onnxruntime was asked, or failed to load. */
const providerAttemptSchema = z.object({
  provider: z.string(),
  outcome: z.enum(['used', 'skipped', 'failed']),
  /** Why it was skipped or failed; null for the one used. */
  reason: z.string().nullable(),
});

/** The build that computed a run (engine/build-info.ts). */
const buildSchema = z.object({
  /** The commit (40 hex digits, "+dirty" when the checkout has changes), or "unknown". */
  commit: z.string(),
  /** Why the commit is unknown; null when it is known. */
  unknownBecause: z.string().nullable(),
});

export const runManifestSchema = z.object({
  /** build: the git commit the app ran from, absent in runs made before it was recorded. */
  app: z.object({ name: z.literal('unitscope'), version: z.string(), build: buildSchema.optional() }),
  /** statisticsFrom: the run whose stored statistics a reanalysis used. */
  run: z.object({ id: z.number().int(), parentRun: z.number().int().nullable(), createdAt: z.string(), statisticsFrom: z.number().int().optional() }),
  model: z.object({
    name: z.string(),
    sha256: z.string(),
    bytes: z.number(),
    source: z.string().nullable(),
    preprocessing: preprocessingSchema,
    inputName: z.string(),
    taps: z.array(tapSchema),
  }),
  stimuli: z.object({
    /** sha256 over "category\tsha256\n" lines in extraction order: equal sets give equal hashes. */
    hash: z.string(),
    count: z.number().int(),
    categories: z.array(categorySchema),
    images: z.array(imageSchema),
  }),
  recipe: recipeSchema,
  seeds: z.object({ recipe: z.number() }),
  /**
   * precision: how extraction reduced the taps (float64 exact, float32 fused in-graph; engine/inference/extract.ts);
   * memoryBudgetMB: the budget asked for (null: the engine's default; absent in runs made before it was recorded);
   * providers: every provider tried, in order, and why each one not used was skipped or failed (absent in older runs).
   */
  execution: z.object({
    requested: z.string(),
    provider: z.string().nullable(),
    fallback: z.string().nullable(),
    batch: z.number().nullable(),
    precision: z.enum(STATS_PRECISIONS).optional(),
    memoryBudgetMB: z.number().nullable().optional(),
    providers: z.array(providerAttemptSchema).optional(),
    /** What extraction used: images per runtime call, images merged at once, the runtime and its threads (absent in older runs). */
    effectiveBatch: z.number().int().optional(),
    groupSize: z.number().int().optional(),
    onnxruntime: z.string().optional(),
    intraOpThreads: z.number().int().optional(),
  }),
  timings: z.object({ extractionSeconds: seconds, analysisSeconds: seconds, totalSeconds: seconds, imagesPerSecond: seconds, finishedAt: z.string().nullable() }),
  platform: z.object({ os: z.string(), release: z.string(), arch: z.string(), node: z.string(), cpus: z.number(), cpuModel: z.string(), memoryBytes: z.number() }),
  /** Present when the statistics were merged from shards computed elsewhere (engine/shards). */
  shards: z.array(shardSchema).optional(),
});

export type RunManifest = z.output<typeof runManifestSchema>;
export type ProviderAttempt = z.output<typeof providerAttemptSchema>;
export type ManifestImage = z.output<typeof imageSchema>;
export type BuildInfo = z.output<typeof buildSchema>;
export type ShardManifestEntry = z.output<typeof shardSchema>;
