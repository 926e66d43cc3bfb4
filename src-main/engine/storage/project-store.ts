// Project-level records: metadata, categories and run summaries. SQL lives in storage modules only.
import type { CategoryInfo, RunStatus, RunSummary } from '../../contract/types.ts';
import { recipeSchema } from '../../contract/recipe.ts';
import type { Db } from './database.ts';

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function listCategories(db: Db): CategoryInfo[] {
  const rows = db
    .prepare(
      `SELECT c.name, c.role, c.controls_for AS controlsFor, COUNT(i.id) AS images
       FROM categories c LEFT JOIN images i ON i.category_id = c.id AND i.status != 'missing'
       GROUP BY c.id ORDER BY c.position, c.id`,
    )
    .all() as CategoryInfo[];
  return rows;
}

export function countRows(db: Db, table: 'images' | 'models'): number {
  const where = table === 'images' ? " WHERE status != 'missing'" : '';
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}${where}`).get() as { n: number }).n;
}

interface RunRow {
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

function toRunSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    model: row.model,
    status: row.status,
    recipe: recipeSchema.parse(JSON.parse(row.recipe)),
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

const RUN_SELECT = `SELECT r.id, m.name AS model, r.status, r.recipe, r.provider, r.provider_fallback, r.parent_run,
  r.created_at, r.finished_at, r.seconds, r.images, r.error FROM runs r JOIN models m ON m.id = r.model_id`;

export function listRuns(db: Db): RunSummary[] {
  return (db.prepare(`${RUN_SELECT} ORDER BY r.id`).all() as RunRow[]).map(toRunSummary);
}

export function getRun(db: Db, id: number): RunSummary | undefined {
  const row = db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunRow | undefined;
  return row ? toRunSummary(row) : undefined;
}

export function latestFinishedRun(db: Db): RunSummary | undefined {
  const row = db.prepare(`${RUN_SELECT} WHERE r.status = 'finished' ORDER BY r.id DESC LIMIT 1`).get() as RunRow | undefined;
  return row ? toRunSummary(row) : undefined;
}
