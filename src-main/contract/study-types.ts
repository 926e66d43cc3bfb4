// A study: one project x several models x one recipe (docs/figures.md). The engine runs every model
// that has no finished run with these settings, compares every pair of runs and keeps what it did, so a
// study reopens as it was; the figures and the report are drawn from `StudyData`.
import type { NumberRule } from './fields.ts';
import type { RecipeSettings } from './recipe.ts';
import type { ConsistencyResult, CompareResult, CsiResult } from './results-types.ts';
import type { LayerCategoryRow, RunStatus, RunSummary } from './types.ts';

/** 'interrupted': left running by a process that is gone; `study.resume` continues it. */
export const STUDY_STATUSES = ['pending', 'running', 'interrupted', 'failed', 'cancelled', 'finished'] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];

export interface StudyRun {
  model: string;
  /** The run that stands for this model: reused (same settings, already finished) or made by the study. */
  run: number | null;
  status: RunStatus | null;
  /** True when the run existed before the study (a finished run with these settings). */
  reused: boolean;
}

export interface StudyInfo {
  id: number;
  name: string;
  createdAt: string;
  finishedAt: string | null;
  status: StudyStatus;
  error: string | null;
  /** In the study's order: the order of the models in every figure (and their line styles). */
  models: string[];
  recipe: RecipeSettings;
  /** Whether representational consistency is part of the study (it needs a second pass over the images). */
  consistency: boolean;
  runs: StudyRun[];
  /** The pairs of runs compared so far, [A, B] in model order. */
  comparisons: [number, number][];
}

/** Models' provenance for the methods paragraph: file hash, where it came from, preprocessing. */
export interface StudyModelInfo {
  name: string;
  sha256: string;
  bytes: number;
  source: string | null;
  preprocessing: unknown;
  /** units: every unit of the tap, a transformer's class tokens included. */
  taps: { name: string; channels: number; height: number; width: number; units: number }[];
}

/** One run's share of the figures: the layer x category table, CSI distributions and consistency. */
export interface StudyRunData {
  run: RunSummary;
  model: StudyModelInfo;
  layers: string[];
  rows: LayerCategoryRow[];
  /** Target categories in the project's order. */
  categories: string[];
  /** Per target category, every layer's CSI histogram and quartiles. */
  csi: Record<string, CsiResult>;
  consistency: ConsistencyResult | null;
  /** The run's reproducibility manifest (engine/runs/run-manifest.ts), for the methods and the appendix. */
  manifest: Record<string, unknown> | null;
}

/** Everything the figures, the captions and the report of a study (or of a few runs) are drawn from. */
export interface StudyData {
  project: { name: string; path: string };
  study: StudyInfo | null;
  runs: StudyRunData[];
  /** Every compared pair, A before B in the study's model order. */
  comparisons: CompareResult[];
  /** Images per category in the stimulus set the runs used (n in every caption). */
  images: Record<string, number>;
  software: { app: string; node: string; platform: string };
}

export const FIGURE_FORMATS = ['svg', 'pdf', 'png'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

export interface ConvertedFigure {
  format: Exclude<FigureFormat, 'svg'>;
  /** The file's bytes, base64 (JSON carries no binary). */
  base64: string;
  /** Pixels for PNG, PostScript points for PDF. */
  width: number;
  height: number;
}

/** Journal sizes (docs/figures.md): one column and the full page width, in millimetres. */
export const JOURNAL_WIDTHS_MM = { column: 89, page: 183 } as const;
export const DEFAULT_FIGURE_DPI = 300;
/** A figure's physical width or height. */
export const FIGURE_SIZE: NumberRule = { label: 'the figure size', min: 20, max: 500, unit: 'mm' };
/** PNG resolution: 72 for a screen to 1200 for line art. */
export const FIGURE_DPI: NumberRule = { label: 'the resolution', min: 72, max: 1200, integer: true, unit: 'dpi' };
