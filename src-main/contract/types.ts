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
}

/** One row of the layer x category table (`results`). Metrics follow method.md "Layer metrics". */
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
  /** Remaining metrics by name (csi_mean, channel_entropy, ...); NaN where undefined. */
  metrics: Record<string, number | null>;
}

export interface ResultsTable {
  run: RunSummary;
  categories: string[];
  layers: string[];
  rows: LayerCategoryRow[];
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
