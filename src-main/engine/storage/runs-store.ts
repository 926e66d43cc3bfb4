// The runs table (m010-core): lifecycle of a run (pending -> running -> finished | failed | cancelled |
// interrupted), its recipe, manifest, provider and timings. A run is 'running' only while a live process
// holds the project's write lock; runs left 'running' by a killed process are marked 'interrupted' on the
// next open. Recipes and manifests are parsed here, once, with the contract's schemas.
import { recipeSchema, type RecipeSettings } from '../../contract/recipe.ts';
import { runManifestSchema, type RunManifest } from '../../contract/run-manifest.ts';
import type { ProjectInfo, RunStatus, RunSummary } from '../../contract/types.ts';
import type { Db } from './database.ts';
import { parseJsonColumn } from './json-columns.ts';
import { statement } from './statements.ts';

interface NewRun {
  modelId: number;
  recipe: RecipeSettings;
  parentRun: number | null;
  images: number;
}

export function insertRun(db: Db, run: NewRun): number {
  const info = statement(db, `INSERT INTO runs (model_id, parent_run, status, recipe, created_at, images) VALUES (?, ?, 'pending', ?, ?, ?)`).run(
    run.modelId,
    run.parentRun,
    JSON.stringify(run.recipe),
    new Date().toISOString(),
    run.images,
  );
  return Number(info.lastInsertRowid);
}

export function setRunStatus(db: Db, runId: number, status: RunStatus, error: string | null = null): void {
  statement(db, 'UPDATE runs SET status = ?, error = ? WHERE id = ?').run(status, error, runId);
}

export function setRunProvider(db: Db, runId: number, provider: string, fallback: string | null): void {
  statement(db, 'UPDATE runs SET provider = ?, provider_fallback = ? WHERE id = ?').run(provider, fallback, runId);
}

export function finishRun(db: Db, runId: number, seconds: number): void {
  statement(db, `UPDATE runs SET status = 'finished', error = NULL, finished_at = ?, seconds = ? WHERE id = ?`).run(new Date().toISOString(), seconds, runId);
}

export function setRunManifest(db: Db, runId: number, manifest: RunManifest): void {
  statement(db, 'UPDATE runs SET manifest = ? WHERE id = ?').run(JSON.stringify(manifest), runId);
}

export function readRunManifest(db: Db, runId: number): RunManifest | null {
  const row = statement<[number], { manifest: string | null }>(db, 'SELECT manifest FROM runs WHERE id = ?').get(runId);
  return row?.manifest ? parseJsonColumn(runManifestSchema, row.manifest, `run #${runId}'s manifest`) : null;
}

export interface RunRecord {
  id: number;
  modelId: number;
  parentRun: number | null;
  status: RunStatus;
  recipe: RecipeSettings;
}

export function readRunRecord(db: Db, runId: number): RunRecord | undefined {
  const row = statement<[number], Omit<RunRecord, 'recipe'> & { recipe: string }>(
    db,
    'SELECT id, model_id AS modelId, parent_run AS parentRun, status, recipe FROM runs WHERE id = ?',
  ).get(runId);
  return row ? { ...row, recipe: parseJsonColumn(recipeSchema, row.recipe, `run #${runId}'s recipe`) } : undefined;
}

/** Marks every 'running' run as interrupted; call only when no live process holds the write lock. */
export function markRunningInterrupted(db: Db): number {
  return statement(db, `UPDATE runs SET status = 'interrupted' WHERE status = 'running'`).run().changes;
}

// ---- run summaries (with their model's name) ----------------------------------------------------------

interface SummaryRow {
  id: number;
  model: string;
  status: RunStatus;
  recipe: string;
  provider: string | null;
  provider_fallback: string | null;
  parent_run: number | null;
  created_at: string;
  finished_at: string | null;
  seconds: number | null;
  images: number;
  error: string | null;
}

function toRunSummary(row: SummaryRow): RunSummary {
  return {
    id: row.id,
    model: row.model,
    status: row.status,
    recipe: parseJsonColumn(recipeSchema, row.recipe, `run #${row.id}'s recipe`),
    provider: row.provider,
    providerFallback: row.provider_fallback,
    parentRun: row.parent_run,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    seconds: row.seconds,
    images: row.images,
    error: row.error,
  };
}

const SUMMARY_SELECT = `SELECT r.id, m.name AS model, r.status, r.recipe, r.provider, r.provider_fallback, r.parent_run,
  r.created_at, r.finished_at, r.seconds, r.images, r.error FROM runs r JOIN models m ON m.id = r.model_id`;

export function listRuns(db: Db): RunSummary[] {
  return statement<[], SummaryRow>(db, `${SUMMARY_SELECT} ORDER BY r.id`).all().map(toRunSummary);
}

export function getRun(db: Db, id: number): RunSummary | undefined {
  const row = statement<[number], SummaryRow>(db, `${SUMMARY_SELECT} WHERE r.id = ?`).get(id);
  return row ? toRunSummary(row) : undefined;
}

export function latestFinishedRun(db: Db): RunSummary | undefined {
  const row = statement<[], SummaryRow>(db, `${SUMMARY_SELECT} WHERE r.status = 'finished' ORDER BY r.id DESC LIMIT 1`).get();
  return row ? toRunSummary(row) : undefined;
}

/** Phase timings per run, from the manifests. */
export function runTimings(db: Db): NonNullable<ProjectInfo['runTimings']> {
  const rows = statement<[], { id: number; t: string | null }>(db, "SELECT id, json_extract(manifest, '$.timings') AS t FROM runs WHERE manifest IS NOT NULL").all();
  const timings = runManifestSchema.shape.timings;
  const out: NonNullable<ProjectInfo['runTimings']> = {};
  for (const r of rows) {
    if (!r.t) continue;
    const { extractionSeconds, analysisSeconds, totalSeconds, imagesPerSecond } = parseJsonColumn(timings, r.t, `run #${r.id}'s timings`);
    out[r.id] = { extractionSeconds, analysisSeconds, totalSeconds, imagesPerSecond };
  }
  return out;
}

/** The finished run whose manifest lists exactly these shard files (by sha256), if any: a merge done before. */
export function findRunMergedFrom(db: Db, shardHashes: readonly string[]): number | undefined {
  const wanted = [...shardHashes].sort().join(',');
  const rows = statement<[], { id: number; hashes: string | null }>(
    db,
    `SELECT r.id, (SELECT group_concat(h, ',') FROM (SELECT json_extract(s.value, '$.sha256') AS h FROM json_each(r.manifest, '$.shards') s ORDER BY h)) AS hashes
     FROM runs r WHERE r.status = 'finished' AND json_type(r.manifest, '$.shards') = 'array'`,
  ).all();
  return rows.find((r) => r.hashes === wanted)?.id;
}
