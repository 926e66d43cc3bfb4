// Result types of the shard.* calls: sharded runs on a cluster (bundle -> shard runs -> merge).
// Browser-safe (types only).

export interface BundleResult {
  /** The bundle folder (absolute). */
  dir: string;
  model: { name: string; sha256: string; bytes: number };
  images: number;
  /** 'copied': the stimuli are inside the bundle; 'referenced': bundle.json points at their absolute paths. */
  stimuli: 'copied' | 'referenced';
  stimuliHash: string;
  settingsHash: string;
  /** Bytes written into the bundle folder. */
  bytes: number;
}

export interface ShardRunResult {
  file: string;
  shard: { index: number; count: number };
  images: number;
  provider: string;
  fallback: string | null;
  seconds: number;
  /** sha256 of the whole .partial file. */
  sha256: string;
}

export interface ShardMergeResult {
  run: number;
  status: 'finished';
  images: number;
  shards: { index: number; count: number; file: string; host: string; provider: string; images: number }[];
}

export interface ShardFileStatus {
  file: string;
  /** ok: readable and complete; corrupt: unreadable, truncated or not a partial file; foreign: not for this project. */
  status: 'ok' | 'corrupt' | 'foreign';
  problem: string | null;
  shard: { index: number; count: number } | null;
  images: number | null;
  host: string | null;
  provider: string | null;
  seconds: number | null;
  createdAt: string | null;
}

export interface ShardStatus {
  /** Shard count N of the usable partials (null when none is usable). */
  count: number | null;
  /** 1-based shard indices with a usable partial, ascending. */
  present: number[];
  missing: number[];
  /** Indices given by more than one file. */
  duplicated: number[];
  /** Images covered by the usable partials, of the run's total. */
  images: { covered: number; total: number | null };
  /** True when `merge` would accept exactly the usable files. */
  complete: boolean;
  files: ShardFileStatus[];
}
