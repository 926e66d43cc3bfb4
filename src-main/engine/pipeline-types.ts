// The data that flows between the stages of a run: stimuli -> extraction (inference) -> sufficient
// statistics -> analysis (statistics) -> stored results. Each stage is its own module; these types are
// the seams between them, so each side can be built and tested alone.
import type { CategoryRole } from '../contract/types.ts';

/** A category in run order: its index k is its position in this list. */
export interface CategoryDef {
  name: string;
  role: CategoryRole;
  controlsFor: string | null;
}

/**
 * How a tap's units map to (channel, position), docs/models.md "Units":
 * - 'chw' (the default): C x H x W, unit u = c*H*W + y*W + x; a 1-D output of size D is D x 1 x 1;
 * - 'tokens': L x C, a transformer's tokens x dims (or a channels-last H x W x C map), unit u = t*C + c,
 *   as PyTorch's flatten of the tensor. Positions t < extraTokens are tokens of their own (ViT's class
 *   token); the rest form the H x W grid row-major (t = extraTokens + y*W + x).
 */
export type TapLayout = 'chw' | 'tokens';

/** A tapped tensor of a model. Units = C * (extraTokens + H*W). */
export interface TapShape {
  /** Friendly name shown to users, e.g. `layer1.0`, `stem`, `avgpool`. */
  name: string;
  /** The ONNX tensor name. */
  tensor: string;
  channels: number;
  height: number;
  width: number;
  /** Absent means 'chw'. */
  layout?: TapLayout;
  /** Tokens before the grid ('tokens' layout only; absent means 0). */
  extraTokens?: number;
  /**
   * Where the runtime puts the batch: absent, axis 0; 1 for a sequence-first tokens tensor, L x N x D
   * (OpenAI CLIP's ViT inside its transformer), which the graph rewrite turns batch-first before reading
   * (onnx/rewrite.ts `batchFirstTensors`), so the units are those of the N x L x D tensor.
   */
  batchAxis?: 1;
}

/** Positions per channel: H*W, plus the extra tokens of a token layout. */
export function tapPositions(tap: TapShape): number {
  return tap.height * tap.width + (tap.layout === 'tokens' ? (tap.extraTokens ?? 0) : 0);
}

export function tapUnits(tap: TapShape): number {
  return tap.channels * tapPositions(tap);
}

/** Channel of unit u. */
export function unitChannel(tap: TapShape, u: number): number {
  return tap.layout === 'tokens' ? u % tap.channels : Math.floor(u / tapPositions(tap));
}

/** Position of unit u: y*W + x for 'chw', the token index for 'tokens' (grid positions after the extra tokens). */
export function unitPosition(tap: TapShape, u: number): number {
  return tap.layout === 'tokens' ? Math.floor(u / tap.channels) : u % tapPositions(tap);
}

/** Grid row and column of a position; -1, -1 for an extra token (ViT's class token). */
export function positionCell(tap: TapShape, position: number): { y: number; x: number } {
  const grid = position - (tap.layout === 'tokens' ? (tap.extraTokens ?? 0) : 0);
  return grid < 0 ? { y: -1, x: -1 } : { y: Math.floor(grid / tap.width), x: grid % tap.width };
}

/**
 * Sufficient statistics of one layer: per category k and unit u, the count n_k, the mean and M2 (sum
 * of squared deviations), in float64. Arrays are category-major: element k * units + u.
 */
export interface LayerStats {
  tap: TapShape;
  count: Float64Array; // length K
  mean: Float64Array; // length K * units
  m2: Float64Array; // length K * units
}

/** One image as the extraction stage sees it. */
export interface StimulusRef {
  id: number;
  /** Absolute path of the image file. */
  path: string;
  /** Index into the run's CategoryDef list. */
  category: number;
}

/** Receives every image's output of each tap during extraction (the float64 path), e.g. to keep some units per image. */
export interface TapRowSink {
  /** `values` is tap `layer`'s output for image `imageId`, valid only during the call. */
  take(layer: number, imageId: number, values: Float32Array): void;
}

/**
 * Per-image responses of chosen units, for the analyses sufficient statistics cannot serve (rank tests,
 * RDMs, the unit inspector). Implementations gather in-graph, in slices under a memory budget.
 */
export interface ResponseGatherer {
  /** Returns images x units (row-major: image i, unit j at i * units.length + j) in `images` order. */
  gather(tap: string, units: Int32Array, signal?: AbortSignal): Promise<Float32Array>;
  /** The images, in the order rows are returned, with their category indices. */
  readonly images: readonly StimulusRef[];
}

/**
 * What the analysis of one layer keeps per unit for one target category (all arrays have one entry per
 * unit): what cannot be derived from a unit's own statistics and is stored (the selection and q), and
 * what the layer metrics, chart aggregates and stored orders are computed from besides the statistics
 * (CSI, t). Every other per-unit value (the means, p, d', d' vs second, mean pairwise t) is derived when
 * read (stats/recipes.ts derivedUnitValues), so the analysis never holds it for a whole layer.
 */
export interface UnitResults {
  category: string;
  selective: Uint8Array;
  /** Category selectivity index, NaN where undefined. */
  csi: Float64Array;
  /** Smallest t over the recipe's contrasts (strength for top-k/vs-rest: the one t). */
  tMin: Float64Array;
  /** Largest q over the contrasts (ranksum-maxp: its largest rank-sum p). */
  qMax: Float64Array;
}

/** Layer metrics for one category (docs/method.md#layer-metrics); NaN where undefined. */
export type LayerMetrics = Record<string, number>;

export interface LayerAnalysis {
  tap: TapShape;
  /** One entry per target category, in run order. */
  units: UnitResults[];
  /** Keyed by target category name. */
  metrics: Record<string, LayerMetrics>;
  /** Spatial density map (counts of selective units over channels, one per position: tapPositions) per target category. */
  density: Record<string, Float64Array>;
  /** Selective-unit counts per channel, per target category. */
  channelCounts: Record<string, Float64Array>;
  /** Units selective for exactly 1, 2, ... categories (index = number of categories). */
  overlap: number[];
}

/**
 * Dense products for the image bootstrap: weights (rows x n) times data (n x cols), row-major, float64.
 * The engine runs them in the inference runtime's GEMM (the bootstrap's main cost); pure stages only see
 * this port.
 */
export interface WeightedSums {
  multiply(weights: Float64Array, rows: number, data: Float64Array, n: number, cols: number): Promise<Float64Array>;
}
