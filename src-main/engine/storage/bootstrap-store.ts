// The image-bootstrap replicates of a run (table run_bootstraps, m090): one row per run and settings, the
// header as JSON, every layer's float64 replicates in one BLOB. Domain types in and out.
import { z } from 'zod';
import { fromBlob, toBlob } from './blobs.ts';
import type { Db } from './database.ts';
import { parseJsonColumn } from './json-columns.ts';
import { statement } from './statements.ts';

/** What a stored bootstrap holds besides its values (layers in run order). */
const headerSchema = z.object({
  layers: z.array(z.string()),
  targets: z.array(z.string()),
  iterations: z.number().int(),
  /** Per layer: subset units, channel-stratum and spatial-stratum sizes, positions and channels sampled. */
  subsets: z.array(z.object({ units: z.number().int(), channelStratum: z.number().int(), spatialStratum: z.number().int(), positions: z.number().int(), channels: z.number().int() })),
});

export type BootstrapHeader = z.output<typeof headerSchema>;

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
  statement(
    db,
    `INSERT INTO run_bootstraps (run_id, settings, header, replicates, seconds) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(run_id, settings) DO UPDATE SET header = excluded.header, replicates = excluded.replicates, seconds = excluded.seconds`,
  ).run(runId, settings, JSON.stringify(stored.header), toBlob(all), stored.seconds);
}

export function readBootstrap(db: Db, runId: number, settings: string): StoredBootstrap | undefined {
  const row = statement<[number, string], { header: string; replicates: Buffer; seconds: number }>(
    db,
    'SELECT header, replicates, seconds FROM run_bootstraps WHERE run_id = ? AND settings = ?',
  ).get(runId, settings);
  if (!row) return undefined;
  const header = parseJsonColumn(headerSchema, row.header, `run #${runId}'s bootstrap header`);
  const all = fromBlob(row.replicates, 'f64', { db, table: 'run_bootstraps', what: 'replicates', runId });
  const per = all.length / Math.max(1, header.layers.length);
  return { header, values: header.layers.map((_, l) => all.slice(l * per, (l + 1) * per)), seconds: row.seconds };
}
