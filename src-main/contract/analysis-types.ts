// Result types of the causal and replication analyses (analysis.* calls): ablation of selective units
// against random-unit controls, split-half reliability within a run, replication between two runs.
// NaN travels as null over JSON transports.

export const ABLATION_MODES = ['zero', 'mean'] as const;
export type AblationMode = (typeof ABLATION_MODES)[number];
export type AnalysisKind = 'ablation' | 'reliability' | 'replication';
export type AblationMeasureName = 'top1-agreement' | 'top-logit-drop' | 'cosine';

/**
 * An ablation's permutation p cannot go below 1 / (controls + 1) (docs/method.md#attainable); a sentence
 * when that floor is not below alpha, since no effect can then be significant.
 */
export function ablationFloor(controls: number, alpha: number): { floor: number; warning: string | null } {
  const floor = 1 / (controls + 1);
  return { floor, warning: floor >= alpha ? `with ${controls} random controls the permutation p is at least ${floor.toPrecision(3)}, so no effect can reach p < ${alpha}; use at least ${Math.ceil(1 / alpha)} controls` : null };
}

export interface AblationCategoryEffect {
  /** Evaluation category, or 'all' for every evaluation image together. */
  category: string;
  images: number;
  /** Mean of the measure over the category's images with the selective units ablated. */
  selective: number;
  /** The same for each random control set (R values): the control distribution. */
  controls: number[];
  controlMean: number;
  controlSd: number;
  /** One-sided permutation p: (1 + #controls at least as bad) / (R + 1). */
  p: number;
  /** Benjamini-Hochberg across evaluation categories (NaN for 'all', which is not in the family). */
  q: number;
}

export interface AblationMeasure {
  name: AblationMeasureName;
  /** Which direction is a deficit: agreement and cosine fall, the logit drop rises. */
  worse: 'lower' | 'higher';
  overall: AblationCategoryEffect;
  perCategory: AblationCategoryEffect[];
}

export interface AblationResult {
  analysis: number;
  run: number;
  layer: string;
  /** The category whose selective units were ablated. */
  category: string;
  mode: AblationMode;
  /** Units ablated (selective set size = each control's size) and the layer's unit count. */
  units: number;
  layerUnits: number;
  top: number | null;
  controls: number;
  /** The smallest permutation p the controls allow, 1 / (controls + 1) (docs/method.md#ablation). */
  pFloor: number;
  /** Set when pFloor is not below alpha (0.05): no effect can be significant with so few controls. */
  warnings: string[];
  seed: number;
  outputKind: 'classifier' | 'embedding';
  evalProject: string;
  evalImages: number;
  provider: string;
  measures: AblationMeasure[];
  /** Flat indices of the ablated selective units, highest CSI first. */
  ablatedUnits: number[];
  seconds: number;
}

export interface Distribution {
  mean: number;
  sd: number;
  values: number[];
}

export interface ReliabilityRow {
  layer: string;
  category: string;
  units: number;
  /** Dice of the two halves' selective sets, per split (NaN when both halves select nothing). */
  dice: Distribution;
  /** Pearson r of the halves' CSI over units where both are defined, per split. */
  csiR: Distribution;
  /** Mean selective-set size per half over the splits. */
  selectedA: number;
  selectedB: number;
}

export interface ReliabilityResult {
  analysis: number;
  run: number;
  splits: number;
  seed: number;
  /** Images per category are dealt into this many groups at most; halves are unions of half the groups. */
  groupsPerCategory: number;
  /** True when every group is one image (the halves are then exact random halves of the images). */
  perImageGroups: boolean;
  /** Inference passes over the images the group statistics took (taps split under the memory budget). */
  passes: number;
  rows: ReliabilityRow[];
  seconds: number;
}

export interface NullSummary {
  mean: number;
  sd: number;
}

export interface ReplicationRow {
  layer: string;
  category: string;
  units: number;
  selectedA: number;
  selectedB: number;
  overlap: number;
  dice: number;
  jaccard: number;
  csiR: number;
  /** Units with a defined CSI in both runs (the correlation's n). */
  csiUnits: number;
  /** Dice expected under shuffling: 2ab / (N (a + b)). */
  expectedDice: number;
  nullDice: NullSummary;
  nullJaccard: NullSummary;
  nullCsiR: NullSummary;
  /** One-sided permutation p values: (1 + #null >= observed) / (shuffles + 1). */
  pDice: number;
  pJaccard: number;
  pCsiR: number;
}

export interface ReplicationResult {
  analysis: number;
  runA: number;
  projectB: string;
  runB: number;
  sha256: string;
  shuffles: number;
  seed: number;
  rows: ReplicationRow[];
}

export interface AnalysisSummary {
  id: number;
  kind: AnalysisKind;
  run: number | null;
  createdAt: string;
  /** The call's settings (layer, category, mode, seed, splits, ...). */
  params: Record<string, unknown>;
  seconds: number | null;
}

export interface StoredAnalysis extends AnalysisSummary {
  manifest: Record<string, unknown>;
  result: AblationResult | ReliabilityResult | ReplicationResult;
}
