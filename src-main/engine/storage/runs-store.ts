// The runs table: lifecycle of a run (pending -> running -> finished | failed | cancelled | interrupted),
// its recipe, manifest, provider and timings. A run is 'running' only while a live process holds the
// project's write lock; runs left 'running' by a killed process are marked 'interrupted' on the next open.
import type { RecipeSettings } from '../../contract/recipe.ts';
import type { RunStatus } from '../../contract/types.ts';
import type { TapShape } from '../pipeline-types.ts';
import type { Db } from './database.ts';
import { TAP_COLUMNS, tapOfRow, type StoredTap } from './tap-rows.ts';

export interface NewRun {
  modelId: number;
  recipe: RecipeSettings;
  parentRun: number | null;
  images: number;
}

export function insertRun(db: Db, run: NewRun): number {
  const info = db
    .prepare(`INSERT INTO runs (model_id, parent_run, status, recipe, created_at, images) VALUES (?, ?, 'pending', ?, ?, ?)`)
    .run(run.modelId, run.parentRun, JSON.stringify(run.recipe), new Date().toISOString(), run.images);
  return Number(info.lastInsertRowid);
}

export function setRunStatus(db: Db, runId: number, status: RunStatus, error: string | null = null): void {
  db.prepare('UPDATE runs SET status = ?, error = ? WHERE id = ?').run(status, error, runId);
}

export function setRunProvider(db: Db, runId: number, provider: string, fallback: string | null): void {
  db.prepare('UPDATE runs SET provider = ?, provider_fallback = ? WHERE id = ?').run(provider, fallback, runId);
}

export function finishRun(db: Db, runId: number, seconds: number): void {
  db.prepare(`UPDATE runs SET status = 'finished', error = NULL, finished_at = ?, seconds = ? WHERE id = ?`).run(
    new Date().toISOString(),
    seconds,
    runId,
  );
}

export function setRunManifest(db: Db, runId: number, manifest: unknown): void {
  db.prepare('UPDATE runs SET manifest = ? WHERE id = ?').run(JSON.stringify(manifest), runId);
}

export function readRunManifest(db: Db, runId: number): unknown {
  const row = db.prepare('SELECT manifest FROM runs WHERE id = ?').get(runId) as { manifest: string | null } | undefined;
  return row?.manifest ? (JSON.parse(row.manifest) as unknown) : null;
}

export interface RunRecord {
  id: number;
  modelId: number;
  parentRun: number | null;
  status: RunStatus;
  recipe: string;
}

export function readRunRecord(db: Db, runId: number): RunRecord | undefined {
  return db
    .prepare('SELECT id, model_id AS modelId, parent_run AS parentRun, status, recipe FROM runs WHERE id = ?')
    .get(runId) as RunRecord | undefined;
}

/** Marks every 'running' run as interrupted; call only when no live process holds the write lock. */
export function markRunningInterrupted(db: Db): number {
  return db.prepare(`UPDATE runs SET status = 'interrupted' WHERE status = 'running'`).run().changes;
}

export function countRunning(db: Db): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE status = 'running'`).get() as { n: number }).n;
}

// ---- inputs a run reads (models, taps, stimuli) ------------------------------------------------------

export interface ModelRecord {
  id: number;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  preprocessing: string;
  inputName: string;
  source: string | null;
}

export function readModelByName(db: Db, name: string): ModelRecord | undefined {
  return db
    .prepare('SELECT id, name, path, sha256, bytes, preprocessing, input_name AS inputName, source FROM models WHERE name = ?')
    .get(name) as ModelRecord | undefined;
}

export function readModelById(db: Db, id: number): ModelRecord | undefined {
  return db
    .prepare('SELECT id, name, path, sha256, bytes, preprocessing, input_name AS inputName, source FROM models WHERE id = ?')
    .get(id) as ModelRecord | undefined;
}

export function readImagePaths(db: Db, ids: readonly number[]): Map<number, { path: string; sha256: string; status: string }> {
  const select = db.prepare('SELECT path, sha256, status FROM images WHERE id = ?');
  const out = new Map<number, { path: string; sha256: string; status: string }>();
  for (const id of ids) {
    const row = select.get(id) as { path: string; sha256: string; status: string } | undefined;
    if (row) out.set(id, row);
  }
  return out;
}

export function readModelTaps(db: Db, modelId: number): TapShape[] {
  return (db.prepare(`SELECT ${TAP_COLUMNS} FROM taps WHERE model_id = ? ORDER BY position, id`).all(modelId) as StoredTap[]).map(tapOfRow);
}

/** The finished run whose manifest lists exactly these shard files (by sha256), if any: a merge done before. */
export function findRunMergedFrom(db: Db, shardHashes: readonly string[]): number | undefined {
  const wanted = [...shardHashes].sort().join(',');
  const rows = db
    .prepare(
      `SELECT r.id, (SELECT group_concat(h, ',') FROM (SELECT json_extract(s.value, '$.sha256') AS h FROM json_each(r.manifest, '$.shards') s ORDER BY h)) AS hashes
       FROM runs r WHERE r.status = 'finished' AND json_type(r.manifest, '$.shards') = 'array'`,
    )
    .all() as { id: number; hashes: string | null }[];
  return rows.find((r) => r.hashes === wanted)?.id;
}
