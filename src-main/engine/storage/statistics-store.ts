// Sufficient statistics and extraction checkpoints (m040-results): float64 BLOBs, count K and mean/m2
// K x units category-major. 'partial' rows are checkpoints of an unfinished extraction, written in the
// same transaction as the checkpoint row so the two always agree; 'final' rows feed the analysis.
import type { LayerStats } from '../pipeline-types.ts';
import { fromBlob, toBlob } from './blobs.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';

type StatsState = 'partial' | 'final';

export function writeLayerStats(db: Db, runId: number, position: number, stats: LayerStats, state: StatsState): void {
  statement(
    db,
    `INSERT INTO layer_stats (run_id, position, state, count, mean, m2, extra) VALUES (?, ?, ?, ?, ?, ?, NULL)
     ON CONFLICT(run_id, position) DO UPDATE SET state = excluded.state, count = excluded.count, mean = excluded.mean,
       m2 = excluded.m2, extra = excluded.extra`,
  ).run(runId, position, state, toBlob(stats.count), toBlob(stats.mean), toBlob(stats.m2));
}

export interface StoredLayerStats {
  state: StatsState;
  count: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

export function readLayerStats(db: Db, runId: number, position: number): StoredLayerStats | undefined {
  const row = statement<[number, number], { state: StatsState; count: Buffer; mean: Buffer; m2: Buffer }>(
    db,
    'SELECT state, count, mean, m2 FROM layer_stats WHERE run_id = ? AND position = ?',
  ).get(runId, position);
  if (!row) return undefined;
  const source = (what: string) => ({ db, table: 'layer_stats', what, runId, position });
  return { state: row.state, count: fromBlob(row.count, 'f64', source('count')), mean: fromBlob(row.mean, 'f64', source('mean')), m2: fromBlob(row.m2, 'f64', source('m2')) };
}

/** Verifies the checksums of every layer's statistics of a run (throws naming the damaged one). */
export function verifyLayerStats(db: Db, runId: number): void {
  const positions = statement<[number], { position: number }>(db, 'SELECT position FROM layer_stats WHERE run_id = ? ORDER BY position').all(runId);
  for (const { position } of positions) readLayerStats(db, runId, position);
}

export function countFinalStats(db: Db, runId: number): number {
  return statement<[number], { n: number }>(db, "SELECT COUNT(*) AS n FROM layer_stats WHERE run_id = ? AND state = 'final'").get(runId)!.n;
}

/** Records that the partial statistics cover `doneImageIds` (call in the transaction that writes them). */
export function writeCheckpoint(db: Db, runId: number, doneImageIds: readonly number[]): void {
  statement(
    db,
    `INSERT INTO run_checkpoints (run_id, images_done, state, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(run_id) DO UPDATE SET images_done = excluded.images_done, state = excluded.state, updated_at = excluded.updated_at`,
  ).run(runId, doneImageIds.length, toBlob(Int32Array.from(doneImageIds)), new Date().toISOString());
}

/** The images the partial statistics of a run cover (ids, as extracted), if it has a checkpoint. */
export function readCheckpoint(db: Db, runId: number): { doneImageIds: number[] } | undefined {
  const row = statement<[number], { state: Buffer | null }>(db, 'SELECT state FROM run_checkpoints WHERE run_id = ?').get(runId);
  return row ? { doneImageIds: row.state ? Array.from(fromBlob(row.state, 'i32', { db, table: 'run_checkpoints', what: 'state', runId })) : [] } : undefined;
}

export function deleteCheckpoint(db: Db, runId: number): void {
  statement(db, 'DELETE FROM run_checkpoints WHERE run_id = ?').run(runId);
}
