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
  /** Specificity of the layer (method.md): quartiles over the c-selective units. */
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
  /** Feature-map metrics of method.md for this layer and category: channel_fraction, channel_entropy, ... */
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
}

export interface CompareTest {
  layerA: string;
  layerB: string;
  category: string;
  /** Which statistic was compared: proportion, csi, channel_entropy, ... */
  metric: string;
  test: string;
  valueA: number | null;
  valueB: number | null;
  statistic: number | null;
  p: number | null;
  q: number | null;
  significant: boolean;
}

export interface CompareResult {
  runs: [number, number];
  models: [string, string];
  /** How layers were aligned: 'name' or 'depth'. */
  alignment: string;
  alpha: number;
  tests: CompareTest[];
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
