// Rows of the analyses table (m060): a row is inserted when an analysis starts (so its id can go into
// its own result) and completed with the result in the same process; rows without a result are
// unfinished (a crash or a cancel) and are left out of listings. NaN and infinities are stored as null.
import type { AnalysisKind, AnalysisSummary, StoredAnalysis } from '../../contract/analysis-types.ts';
import type { Db } from './database.ts';

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

export function insertAnalysis(db: Db, kind: AnalysisKind, run: number | null, params: Record<string, unknown>, manifest: Record<string, unknown>): number {
  const info = db
    .prepare('INSERT INTO analyses (kind, run_id, created_at, params, manifest) VALUES (?, ?, ?, ?, ?)')
    .run(kind, run, new Date().toISOString(), json(params), json(manifest));
  return Number(info.lastInsertRowid);
}

export function completeAnalysis(db: Db, id: number, result: unknown, seconds: number): void {
  db.prepare('UPDATE analyses SET result = ?, seconds = ? WHERE id = ?').run(json(result), seconds, id);
}

export function deleteAnalysisRow(db: Db, id: number): void {
  db.prepare('DELETE FROM analyses WHERE id = ?').run(id);
}

interface Row {
  id: number;
  kind: AnalysisKind;
  run_id: number | null;
  created_at: string;
  params: string;
  manifest: string;
  result: string | null;
  seconds: number | null;
}

function summary(row: Row): AnalysisSummary {
  return { id: row.id, kind: row.kind, run: row.run_id, createdAt: row.created_at, params: JSON.parse(row.params) as Record<string, unknown>, seconds: row.seconds };
}

export function listAnalyses(db: Db, filter: { run?: number | undefined; kind?: AnalysisKind | undefined } = {}): AnalysisSummary[] {
  const rows = db
    .prepare(
      `SELECT id, kind, run_id, created_at, params, manifest, NULL AS result, seconds FROM analyses
       WHERE result IS NOT NULL AND (? IS NULL OR run_id = ?) AND (? IS NULL OR kind = ?) ORDER BY id`,
    )
    .all(filter.run ?? null, filter.run ?? null, filter.kind ?? null, filter.kind ?? null) as Row[];
  return rows.map(summary);
}

export function readAnalysis(db: Db, id: number): StoredAnalysis | undefined {
  const row = db.prepare('SELECT * FROM analyses WHERE id = ? AND result IS NOT NULL').get(id) as Row | undefined;
  if (!row) return undefined;
  return { ...summary(row), manifest: JSON.parse(row.manifest) as Record<string, unknown>, result: JSON.parse(row.result!) as StoredAnalysis['result'] };
}
