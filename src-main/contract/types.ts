// Result types that cross the renderer <-> engine boundary. Plain data only (no classes, no typed arrays
// except where the transport is known to carry them), so that JSON and structured clone both work.
import type { RecipeSettings } from './recipe.ts';

export type CategoryRole = 'target' | 'control';

export interface CategoryInfo {
  name: string;
  role: CategoryRole;
  /** For a control: the target it stands for (scrambled_scenes -> scenes). */
  controlsFor: string | null;
  images: number;
}

export type RunStatus = 'pending' | 'running' | 'interrupted' | 'failed' | 'cancelled' | 'finished';

export interface RunSummary {
  id: number;
  model: string;
  status: RunStatus;
  recipe: RecipeSettings;
  /** Execution provider that actually ran, e.g. 'cpu'; null before extraction started. */
  provider: string | null;
  /** Why the provider asked for was not used, when it was not. */
  providerFallback: string | null;
  parentRun: number | null;
  createdAt: string;
  finishedAt: string | null;
  seconds: number | null;
  images: number;
  error: string | null;
}

export interface ProjectInfo {
  path: string;
  name: string;
  schemaVersion: number;
  appVersion: string;
  bytes: number;
  categories: CategoryInfo[];
  imageCount: number;
  modelCount: number;
  runs: RunSummary[];
  /** Where the bytes are (absent from engines older than the results storage). */
  sizes?: ProjectSizes;
  /** Per run: phase timings from its manifest, in seconds (null while unknown). */
  runTimings?: Record<number, { extractionSeconds: number | null; analysisSeconds: number | null; totalSeconds: number | null; imagesPerSecond: number | null }>;
}

export interface ProjectSizes {
  /** The project file and its write-ahead log. */
  file: number;
  wal: number;
  /** Stored unit results, sufficient statistics (incl. checkpoints) and chart aggregates, in bytes. */
  unitResults: number;
  statistics: number;
  aggregates: number;
  thumbnails: number;
}

/** One row of the layer x category table (`results`). Metrics follow docs/method.md#layer-metrics. */
export interface LayerCategoryRow {
  model: string;
  layer: string;
  /** 0-based position of the layer in tap order, and relative depth in [0, 1]. */
  layerIndex: number;
  depth: number;
  category: string;
  units: number;
  selective: number;
  proportion: number;
  /** Images of the category in the run: the n of the row's statistics. */
  images: number;
  /** Remaining metrics by name (csi_mean, channel_entropy, ...); NaN where undefined. */
  metrics: Record<string, number | null>;
}

export interface ResultsTable {
  run: RunSummary;
  categories: string[];
  layers: string[];
  rows: LayerCategoryRow[];
  /** Images per category of the run (targets and controls): the n behind every statistic of the table. */
  images: { category: string; role: CategoryRole; n: number }[];
  /** Thresholds the recipe cannot reach with these images (docs/method.md#attainable). */
  warnings: string[];
}

export interface SessionInfo {
  mode: 'desktop' | 'serve' | 'cli';
  /** The project to open on start (serve PATH), if any. */
  initialProject: string | null;
  /** Folders under which the user may pick files in serve mode (the project's folder and --root ones). */
  roots: string[];
}

export interface DirectoryEntry {
  name: string;
  path: string;
  kind: 'file' | 'dir';
  bytes: number;
}

export interface DirectoryListing {
  path: string;
  /** The parent folder when it may be listed too, else null. */
  parent: string | null;
  entries: DirectoryEntry[];
}

// ---- Stimuli (issue 3) ----

export type ImageStorage = 'referenced' | 'copied' | 'generated';
export type ImageStatus = 'ok' | 'missing' | 'changed';

/** One problem found while importing or checking stimuli: the file (or folder, or category) and why. */
export interface StimulusProblem {
  file: string;
  reason: string;
  /** Errors keep the file out of the project; warnings are reported and the file is kept. */
  severity: 'error' | 'warning';
  /** Set for problems about a whole category (too few images, unbalanced). */
  category?: string;
}

export interface StimulusImportResult {
  source: string;
  layout: 'folders' | 'floc' | 'manifest';
  /** Files newly added or updated (changed content): `added + changed`. */
  imported: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Files recorded before under this source that are gone now (marked missing). */
  missing: number;
  problems: StimulusProblem[];
  categories: CategoryInfo[];
}

export interface ImageRecord {
  id: number;
  /** As stored: relative to the project file's folder when inside it, else absolute. */
  path: string;
  absolutePath: string;
  category: string;
  subcategory: string | null;
  storage: ImageStorage;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  channels: number;
  format: string;
  status: ImageStatus;
}

export interface StimuliListing {
  categories: CategoryInfo[];
  /** Total images matching the query (the page below may hold fewer). */
  total: number;
  images: ImageRecord[];
}

export interface StimuliCheckReport {
  images: number;
  ok: number;
  missing: number;
  changed: number;
  /** Changed files whose new contents were recorded (check --update); they count as ok. */
  updated: number;
  problems: StimulusProblem[];
}

/** One damaged part of a project, as `project check` found it. */
export interface ProjectDamage {
  /** Where: "the file", or the run, layer and table ("run #3, layer conv2, table unit_columns (faces csi)"). */
  where: string;
  problem: string;
  /** How to get it back (the WAL, the last export, recomputing from stored statistics). */
  recovery: string;
}

export interface ProjectCheckReport {
  path: string;
  ok: boolean;
  damage: ProjectDamage[];
  /** What was verified: SQLite's integrity_check over every page, and each stored checksum. */
  pages: number;
  checksums: number;
  /** Set when the file was written before checksums (schema below 120): only SQLite's own check applies. */
  note: string | null;
}

export interface ScrambleResult {
  category: string;
  from: string;
  method: 'block' | 'phase';
  images: number;
  seed: number;
}

export interface ThumbnailData {
  id: number;
  mime: string;
  width: number;
  height: number;
  /** The image bytes, base64 (JSON-safe on every transport). */
  base64: string;
}

export interface DemoStimuliResult {
  outDir: string;
  seed: number;
  categories: { name: string; role: CategoryRole; controlsFor: string | null; files: number }[];
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
  /** False when the file is gone (moved or deleted outside Unitscope). */
  exists: boolean;
}

export interface DemoCreated {
  /** Absolute path of DIR/demo.unitscope. */
  project: string;
  run: number;
  /** True when an earlier demo project in DIR was replaced. */
  replaced: boolean;
  table: ResultsTable;
}

/** A manifest file of the fLoc set that could not be used: its path in the archive and why. */
export interface FlocFileProblem {
  path: string;
  reason: string;
}

export interface FlocFetchResult {
  /** The archive's URL or local path. */
  source: string;
  commit: string;
  /** Where the verified images are, inside the project's folder. */
  folder: string;
  /** Images the manifest lists, and how many of them are verified and in place. */
  expected: number;
  verified: number;
  /** True when every image was already in place and verified, so nothing was downloaded. */
  reused: boolean;
  failed: FlocFileProblem[];
  import: StimulusImportResult;
  /** The scrambled controls made afterwards (when asked for). */
  controls: ScrambleResult[];
}
