// The image-bootstrap replicates of a run (table run_bootstraps, m090): one row per run and settings, the
// header as JSON, every layer's float64 replicates in one BLOB. Domain types in and out.
import type { Db } from './database.ts';
import { toBlob } from './results-store.ts';

/** What a stored bootstrap holds besides its values (layers in run order). */
export interface BootstrapHeader {
  layers: string[];
  targets: string[];
  iterations: number;
  /** Per layer: subset units, channel-stratum and spatial-stratum sizes, positions and channels sampled. */
  subsets: { units: number; channelStratum: number; spatialStratum: number; positions: number; channels: number }[];
}

export interface StoredBootstrap {
  header: BootstrapHeader;
  /** One array per layer, as layerReplicates returns it. */
  values: Float64Array[];
  seconds: number;
}

export function writeBootstrap(db: Db, runId: number, settings: string, stored: StoredBootstrap): void {
  const total = stored.values.reduce((s, v) => s + v.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const v of stored.values) {
    all.set(v, at);
    at += v.length;
  }
  db.prepare(
    `INSERT INTO run_bootstraps (run_id, settings, header, replicates, seconds) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(run_id, settings) DO UPDATE SET header = excluded.header, replicates = excluded.replicates, seconds = excluded.seconds`,
  ).run(runId, settings, JSON.stringify(stored.header), toBlob(all), stored.seconds);
}

export function readBootstrap(db: Db, runId: number, settings: string): StoredBootstrap | undefined {
  const row = db.prepare('SELECT header, replicates, seconds FROM run_bootstraps WHERE run_id = ? AND settings = ?').get(runId, settings) as
    | { header: string; replicates: Buffer; seconds: number }
    | undefined;
  if (!row) return undefined;
  const header = JSON.parse(row.header) as BootstrapHeader;
  // A copy: the BLOB's buffer may be shared and unaligned for float64.
  const all = new Float64Array(new Uint8Array(row.replicates).buffer);
  const per = all.length / Math.max(1, header.layers.length);
  return { header, values: header.layers.map((_, l) => all.slice(l * per, (l + 1) * per)), seconds: row.seconds };
}
