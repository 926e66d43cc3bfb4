// Analysis settings shared by the CLI, the engine and the run launcher form. Defaults follow method.md.
import { z } from 'zod';

export const RECIPES = ['pairwise-t', 'prince2024', 'vs-rest', 'ranksum-maxp', 'top-k', 'dprime'] as const;
export const FDR_METHODS = ['bh', 'by', 'bonferroni', 'none'] as const;
export const AGAINST = ['all', 'targets', 'targets+own-control'] as const;

export const recipeSchema = z.object({
  recipe: z.enum(RECIPES).default('pairwise-t'),
  variance: z.enum(['pooled', 'welch']).default('pooled'),
  fdr: z.enum(FDR_METHODS).default('bh'),
  alpha: z.number().gt(0).lt(1).default(0.05),
  against: z.enum(AGAINST).default('all'),
  /** top-k: percentage of units kept. */
  topk: z.number().gt(0).max(100).default(1),
  topkScope: z.enum(['layer', 'global']).default('layer'),
  /** dprime: threshold on d'. */
  dprime: z.number().default(1),
  /** ranksum-maxp: threshold on the largest pairwise p. */
  ranksumP: z.number().gt(0).lt(1).default(0.001),
  seed: z.number().int().nonnegative().default(0),
});

export type RecipeSettings = z.output<typeof recipeSchema>;
export type RecipeInput = z.input<typeof recipeSchema>;

export const defaultRecipe: RecipeSettings = recipeSchema.parse({});

export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDERS)[number];

/**
 * How extraction reduces the taps (the run record names it; docs/extraction.md):
 * - float64 (exact, the default): the taps leave the runtime and are merged on the host in float64
 *   (method.md's 1e-9 variance contract holds);
 * - float32 (fused): the graph itself reduces each tap to centered sums and sums of squares in float32,
 *   so only 2 x units per tap and batch leave the runtime (for GPUs); variances within ~1e-6 relative.
 */
export const STATS_PRECISIONS = ['float64', 'float32'] as const;
export type StatsPrecision = (typeof STATS_PRECISIONS)[number];
