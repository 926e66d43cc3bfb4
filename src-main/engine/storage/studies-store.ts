// The studies tables (m100): a study's definition, the run that stands for each of its models, and the
// stored comparisons of its pairs of runs. Rows become StudyInfo here; nothing outside sees JSON text.
import { z } from 'zod';
import { EXECUTION_PROVIDERS, recipeSchema, type RecipeSettings } from '../../contract/recipe.ts';
import { COMPARE_CLAIMS, type CompareResult } from '../../contract/results-types.ts';
import type { StudyInfo, StudyStatus } from '../../contract/study-types.ts';
import type { RunStatus } from '../../contract/types.ts';
import type { Db } from './database.ts';
import { parseJsonColumn } from './json-columns.ts';
import { statement } from './statements.ts';

/** How a study's runs and comparisons execute; kept so a resume does the rest the same way. */
const executionSchema = z.object({
  provider: z.enum(EXECUTION_PROVIDERS).optional(),
  batch: z.number().int().optional(),
  memoryBudgetMB: z.number().optional(),
  /** The comparisons' image bootstrap (results.compare's defaults when absent). */
  iterations: z.number().int().optional(),
  units: z.number().int().optional(),
});

export type StudyExecution = z.output<typeof executionSchema>;

// A stored comparison as results.compare returned it (JSON wrote NaN as null, as the contract's types say).
const num = z.number().nullable();
const interval = z.object({ low: num, high: num });
const subset = z.object({ layer: z.string(), layerUnits: z.number(), subsetUnits: z.number(), channelStratum: z.number(), spatialStratum: z.number(), positions: z.number(), channels: z.number() });
const compareSchema: z.ZodType<CompareResult> = z.object({
  runs: z.tuple([z.number().int(), z.number().int()]),
  models: z.tuple([z.string(), z.string()]),
  alignment: z.string(),
  alpha: z.number(),
  difference: z.literal('A - B'),
  images: z.array(z.object({ category: z.string(), a: z.number(), b: z.number() })),
  warnings: z.array(z.string()),
  forced: z.boolean(),
  bootstrap: z
    .object({
      iterations: z.number().int(),
      seed: z.number(),
      unitsPerStratum: z.number().int(),
      weights: z.string(),
      seconds: z.tuple([z.number(), z.number()]),
      subsets: z.tuple([z.array(subset), z.array(subset)]),
    })
    .nullable(),
  imageLevelUnavailable: z.string().nullable(),
  rows: z.array(
    z.object({
      claim: z.enum(COMPARE_CLAIMS),
      metric: z.string(),
      layerA: z.string().nullable(),
      layerB: z.string().nullable(),
      category: z.string(),
      valueA: num,
      ciA: interval,
      valueB: num,
      ciB: interval,
      diff: num,
      ciDiff: interval,
      z: num,
      p: num,
      q: num,
      significant: z.boolean(),
      fullA: num,
      fullB: num,
      n: z.object({ imagesA: z.number(), imagesB: z.number(), selectiveA: num, selectiveB: num, iterations: z.number() }),
    }),
  ),
  unitLevel: z.array(
    z.object({
      layerA: z.string(),
      layerB: z.string(),
      category: z.string(),
      metric: z.string(),
      test: z.string(),
      valueA: num,
      valueB: num,
      difference: num,
      statistic: num,
      p: num,
      q: num,
      selectiveA: z.number(),
      selectiveB: z.number(),
      significant: z.boolean(),
    }),
  ),
});

export interface NewStudy {
  name: string;
  models: readonly string[];
  recipe: RecipeSettings;
  consistency: boolean;
  execution: StudyExecution;
}

type StoredStatus = Exclude<StudyStatus, 'interrupted'>;

interface StudyRow {
  id: number;
  name: string;
  created_at: string;
  finished_at: string | null;
  status: StoredStatus;
  error: string | null;
  recipe: string;
  consistency: 0 | 1;
  execution: string;
}

interface ModelRow {
  position: number;
  model: string;
  run_id: number | null;
  reused: 0 | 1;
  run_status: RunStatus | null;
}

export function insertStudy(db: Db, study: NewStudy): number {
  return db.transaction(() => {
    const info = statement(db, `INSERT INTO studies (name, created_at, status, recipe, consistency, execution) VALUES (?, ?, 'pending', ?, ?, ?)`).run(study.name, new Date().toISOString(), JSON.stringify(study.recipe), study.consistency ? 1 : 0, JSON.stringify(study.execution));
    const id = Number(info.lastInsertRowid);
    const add = statement(db, 'INSERT INTO study_models (study_id, position, model) VALUES (?, ?, ?)');
    study.models.forEach((model, position) => add.run(id, position, model));
    return id;
  })();
}

export function setStudyStatus(db: Db, id: number, status: StoredStatus, error: string | null = null): void {
  statement(db, `UPDATE studies SET status = ?, error = ?, finished_at = CASE WHEN ? = 'finished' THEN ? ELSE finished_at END WHERE id = ?`).run(
    status,
    error,
    status,
    new Date().toISOString(),
    id,
  );
}

export function setStudyRun(db: Db, id: number, position: number, run: number, reused: boolean): void {
  statement(db, 'UPDATE study_models SET run_id = ?, reused = ? WHERE study_id = ? AND position = ?').run(run, reused ? 1 : 0, id, position);
}

export function writeStudyComparison(db: Db, id: number, result: CompareResult): void {
  statement(db, 'INSERT OR REPLACE INTO study_comparisons (study_id, run_a, run_b, result) VALUES (?, ?, ?, ?)').run(
    id,
    result.runs[0],
    result.runs[1],
    JSON.stringify(result),
  );
}

export function readStudyComparisons(db: Db, id: number): CompareResult[] {
  const rows = statement<[number], { result: string; run_a: number; run_b: number }>(db, 'SELECT result, run_a, run_b FROM study_comparisons WHERE study_id = ? ORDER BY rowid').all(id);
  return rows.map((r) => parseJsonColumn(compareSchema, r.result, `study #${id}'s comparison of runs #${r.run_a} and #${r.run_b}`));
}

export function readStudyExecution(db: Db, id: number): StudyExecution | undefined {
  const row = statement<[number], { execution: string }>(db, 'SELECT execution FROM studies WHERE id = ?').get(id);
  return row ? parseJsonColumn(executionSchema, row.execution, `study #${id}'s settings`) : undefined;
}

/**
 * One study as stored. `live` says whether a process still works on the project: a study stored as
 * running without one was left by a process that is gone, and reads as interrupted.
 */
export function readStudy(db: Db, id: number, live: boolean): StudyInfo | undefined {
  const row = statement<[number], StudyRow>(db, 'SELECT * FROM studies WHERE id = ?').get(id);
  return row ? toStudy(db, row, live) : undefined;
}

export function listStudies(db: Db, live: boolean): StudyInfo[] {
  const rows = statement<[], StudyRow>(db, 'SELECT * FROM studies ORDER BY id').all();
  return rows.map((row) => toStudy(db, row, live));
}

function toStudy(db: Db, row: StudyRow, live: boolean): StudyInfo {
  const models = statement<[number], ModelRow>(
    db,
    `SELECT m.position, m.model, m.run_id, m.reused, r.status AS run_status FROM study_models m
     LEFT JOIN runs r ON r.id = m.run_id WHERE m.study_id = ? ORDER BY m.position`,
  ).all(row.id);
  const pairs = statement<[number], { run_a: number; run_b: number }>(db, 'SELECT run_a, run_b FROM study_comparisons WHERE study_id = ? ORDER BY rowid').all(row.id);
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    status: row.status === 'running' && !live ? 'interrupted' : row.status,
    error: row.error,
    models: models.map((m) => m.model),
    recipe: parseJsonColumn(recipeSchema, row.recipe, `study #${row.id}'s recipe`),
    consistency: row.consistency === 1,
    runs: models.map((m) => ({ model: m.model, run: m.run_id, status: m.run_status, reused: m.reused === 1 })),
    comparisons: pairs.map((p) => [p.run_a, p.run_b]),
  };
}
