// Result types of the run, results and export calls. Aggregates only: the renderer gets histograms,
// per-channel counts, density maps and pages of units, never millions of rows. Numbers that are
// undefined for a unit or layer (NaN in the engine) cross the boundary as null, because JSON has no NaN.
import type { RunStatus } from './types.ts';

export interface RunStarted {
  run: number;
  status: RunStatus;
}

export const UNIT_SORTS = ['csi', 't', 'unit'] as const;
export type UnitSort = (typeof UNIT_SORTS)[number];

/**
 * One unit's results for one target category. `unit` is the flat index of the tapped tensor: c*H*W + y*W + x
 * for C x H x W layers, t*C + c for tokens x dims (docs/models.md "Units"); y and x are the unit's grid cell
 * (-1, -1 for a class token).
 */
export interface UnitRow {
  unit: number;
  channel: number;
  y: number;
  x: number;
  selective: boolean;
  csi: number | null;
  tMin: number | null;
  pMax: number | null;
  qMax: number | null;
  meanTarget: number | null;
  meanOthers: number | null;
  dprime: number | null;
  /** d' against the compared category with the highest mean (Baek's FSI). */
  dprimeSecond: number | null;
  /** Mean of the target's t against each compared category. */
  meanPairT: number | null;
}

export interface UnitsPage {
  /** Units matching the filter (before offset/limit). */
  total: number;
  units: UnitRow[];
}

export interface Quartiles {
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
  mean: number | null;
  /** Finite values the quartiles were computed over. */
  count: number;
}

/** CSI distribution of one layer for one category: histogram over [-1, 1] plus quartiles. */
export interface CsiLayerDistribution {
  layer: string;
  /** Bin edges (bins + 1 values) over [-1, 1]; the same for every layer. */
  edges: number[];
  /** Counts over all units with a defined CSI, and over the c-selective units only. */
  all: number[];
  selective: number[];
  quartilesAll: Quartiles;
  /** Specificity of the layer (docs/method.md#csi): quartiles over the c-selective units. */
  quartilesSelective: Quartiles;
  /** Units whose CSI is undefined (NaN). */
  undefinedCount: number;
}

export interface CsiResult {
  run: number;
  category: string;
  layers: CsiLayerDistribution[];
}

export interface ChannelCount {
  channel: number;
  selective: number;
  /** selective / positions per channel (H * W, or the token count) */
  fraction: number;
}

export interface ChannelsResult {
  run: number;
  layer: string;
  category: string;
  unitsPerChannel: number;
  /** 'tokens': a channel is a transformer's dim, its units the tokens (docs/models.md "Units"). */
  layout: 'chw' | 'tokens';
  /** Sorted by selective count, descending (ties by channel index). */
  channels: ChannelCount[];
  /** Feature-map metrics of docs/method.md#evenness for this layer and category: channel_fraction, channel_entropy, ... */
  metrics: Record<string, number | null>;
}

export interface SpatialResult {
  run: number;
  layer: string;
  category: string;
  /** The grid: feature-map rows and columns, or a transformer's patch-token grid. */
  height: number;
  width: number;
  /** 'tokens': density holds extraTokens class tokens first, then the grid (docs/models.md "Units"). */
  layout: 'chw' | 'tokens';
  extraTokens: number;
  /** Selective units per position summed over channels: the H x W grid row-major, after the extra tokens. */
  density: number[];
  metrics: Record<string, number | null>;
}

export interface ConsistencyResult {
  run: number;
  layers: string[];
  categories: string[];
  /** L x L Spearman correlations of RDMs per category (null where undefined). */
  matrices: Record<string, (number | null)[][]>;
  /** The same from all units of each layer. */
  baseline: (number | null)[][];
  /** Mean off-diagonal and mean adjacent-pair values per category, and for the baseline under 'baseline'. */
  summary: Record<string, { mean: number | null; adjacent: number | null }>;
  /**
   * Why values are undefined or images left out, per category (and 'baseline'): a layer with fewer than 3
   * selective units has no RDM (docs/method.md#consistency); an image that responds equally in every unit
   * has no Pearson r, and its pairs are left out of that layer's correlations.
   */
  notes: Record<string, string[]>;
  /** Units per RDM above which a seeded random subset is drawn, and the seed (docs/method.md#consistency). */
  maxUnits: number;
  seed: number;
}

/**
 * A unit-level test: units taken as independent samples (two-proportion z, Mann-Whitney on CSI, a
 * bootstrap over selective units). Descriptive only: units share the images' variation, so these p-values
 * overstate the evidence (docs/method.md#comparison-descriptive).
 */
export interface CompareTest {
  layerA: string;
  layerB: string;
  category: string;
  /** Which statistic was compared: proportion, csi_median, channel_entropy, channel_gini. */
  metric: string;
  test: string;
  valueA: number | null;
  valueB: number | null;
  /** valueA - valueB where both are given; for the bootstraps, the difference of the statistic A - B. */
  difference: number | null;
  /** The test statistic (z for the proportions), null where the test has none. */
  statistic: number | null;
  p: number | null;
  q: number | null;
  /** Selective units of each run in the layer (the unit-level tests' sample sizes). */
  selectiveA: number;
  selectiveB: number;
  significant: boolean;
}

/** The paper's claims a comparison row tests (docs/method.md#comparison). */
export const COMPARE_CLAIMS = ['proportion', 'specificity', 'evenness', 'localization', 'activation'] as const;
export type CompareClaim = (typeof COMPARE_CLAIMS)[number];

export interface CompareInterval {
  low: number | null;
  high: number | null;
}

/**
 * One claim's metric for an aligned layer pair and a target category, from the paired image bootstrap
 * (docs/method.md#image-bootstrap). Values are each run's estimate on its unit subset with all images;
 * intervals are 95 % bootstrap percentiles; the difference is A - B.
 */
export interface CompareRow {
  claim: CompareClaim;
  /** proportion, proportion_slope, csi_median, csi_mean, channel_entropy, channel_gini, spatial_entropy, spatial_gini, activation. */
  metric: string;
  /** Null for proportion_slope, which is over all layers (slope on relative depth). */
  layerA: string | null;
  layerB: string | null;
  category: string;
  valueA: number | null;
  ciA: CompareInterval;
  valueB: number | null;
  ciB: CompareInterval;
  /** valueA - valueB. */
  diff: number | null;
  ciDiff: CompareInterval;
  /** Effect size: diff / the standard deviation of the bootstrap differences. */
  z: number | null;
  p: number | null;
  /** BH across the layers x categories of this metric. */
  q: number | null;
  significant: boolean;
  /**
   * The layer's value from all units and images (the run's results table), so the subset's own error,
   * value - full, is visible; null for the slope and where undefined.
   */
  fullA: number | null;
  fullB: number | null;
  n: {
    /** Images of the category in each run. */
    imagesA: number;
    imagesB: number;
    /** Selective units of the layer in each run (all units); null for the slope. */
    selectiveA: number | null;
    selectiveB: number | null;
    /** Bootstrap iterations in which both values were defined. */
    iterations: number;
  };
}

/** One run's unit subset of one layer (docs/method.md#unit-subset). */
export interface CompareSubset {
  layer: string;
  layerUnits: number;
  subsetUnits: number;
  channelStratum: number;
  spatialStratum: number;
  /** Positions sampled per channel (channel stratum) and channels sampled (spatial stratum). */
  positions: number;
  channels: number;
}

export interface CompareResult {
  runs: [number, number];
  models: [string, string];
  /** How layers were aligned: 'name' or 'depth'. */
  alignment: string;
  alpha: number;
  /** Every difference in this result is A minus B (A = runs[0]). */
  difference: 'A - B';
  /** Images per category in each run: the n behind every statistic. */
  images: { category: string; a: number; b: number }[];
  /** What the two runs differ in (recipe, stimuli, preprocessing, precision) when compared with force, and other cautions. */
  warnings: string[];
  forced: boolean;
  /** The image-level test's settings; null when it could not run (imageLevelUnavailable says why). */
  bootstrap: {
    iterations: number;
    seed: number;
    unitsPerStratum: number;
    weights: string;
    /** Seconds each run's replicates took when computed (stored and reused afterwards). */
    seconds: [number, number];
    subsets: [CompareSubset[], CompareSubset[]];
  } | null;
  imageLevelUnavailable: string | null;
  /** The image-level tests of every claim. */
  rows: CompareRow[];
  /** Unit-level tests, descriptive only (see CompareTest). */
  unitLevel: CompareTest[];
}

export interface CompareExport {
  /** Absolute paths of the CSV files written. */
  files: string[];
  comparison: CompareResult;
}

export interface CategoryInterval {
  category: string;
  n: number;
  mean: number;
  /** Standard deviation (sample, n - 1) and the 95 % t interval of the mean; null when n < 2. */
  sd: number | null;
  low: number | null;
  high: number | null;
}

export interface UnitInspection {
  run: number;
  layer: string;
  unit: number;
  /** 'tokens': channel is a dim, y and x the patch-grid cell (-1 for the class token). */
  layout: 'chw' | 'tokens';
  channel: number;
  y: number;
  x: number;
  categories: CategoryInterval[];
  /** Per-target-category results of this unit. */
  results: (UnitRow & { category: string })[];
  /** Per-image responses in stimulus order (image ids and category names). */
  responses: { image: number; category: string; value: number }[];
  /** Image ids with the highest responses, highest first. */
  topImages: { image: number; category: string; value: number }[];
}

export type ExportFormat = 'csv' | 'parquet' | 'npy';

export interface ExportResult {
  /** Absolute paths of the files written. */
  files: string[];
  dir: string;
}
