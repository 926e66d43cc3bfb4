// The analyses table (m060): causal and replication analyses with their settings, manifest and result.
// A row is written in one transaction with its result (its id goes into the result); rows without a
// result come from an older version that inserted first and completed later, and are left out of
// listings. Results are parsed with their kind's schema; NaN, stored as null, comes back as NaN.
import { z } from 'zod';
import type {
  AblationCategoryEffect,
  AblationMeasure,
  AblationResult,
  AnalysisKind,
  AnalysisSummary,
  Distribution,
  NullSummary,
  ReliabilityResult,
  ReplicationResult,
  StoredAnalysis,
} from '../../contract/analysis-types.ts';
import type { Db } from './database.ts';
import { numberOrNaN, parseJsonColumn } from './json-columns.ts';
import { statement } from './statements.ts';

const effectSchema: z.ZodType<AblationCategoryEffect, unknown> = z.object({
  category: z.string(),
  images: z.number().int(),
  selective: numberOrNaN,
  controls: z.array(numberOrNaN),
  controlMean: numberOrNaN,
  controlSd: numberOrNaN,
  p: numberOrNaN,
  q: numberOrNaN,
});

const measureSchema: z.ZodType<AblationMeasure, unknown> = z.object({
  name: z.enum(['top1-agreement', 'top-logit-drop', 'cosine']),
  worse: z.enum(['lower', 'higher']),
  overall: effectSchema,
  perCategory: z.array(effectSchema),
});

const ablationSchema: z.ZodType<AblationResult, unknown> = z.object({
  analysis: z.number().int(),
  run: z.number().int(),
  layer: z.string(),
  category: z.string(),
  mode: z.enum(['zero', 'mean']),
  units: z.number().int(),
  layerUnits: z.number().int(),
  top: z.number().int().nullable(),
  controls: z.number().int(),
  pFloor: z.number(),
  warnings: z.array(z.string()),
  seed: z.number().int(),
  outputKind: z.enum(['classifier', 'embedding']),
  evalProject: z.string(),
  evalImages: z.number().int(),
  provider: z.string(),
  measures: z.array(measureSchema),
  ablatedUnits: z.array(z.number().int()),
  seconds: z.number(),
});

const distributionSchema: z.ZodType<Distribution, unknown> = z.object({ mean: numberOrNaN, sd: numberOrNaN, values: z.array(numberOrNaN) });

const reliabilitySchema: z.ZodType<ReliabilityResult, unknown> = z.object({
  analysis: z.number().int(),
  run: z.number().int(),
  splits: z.number().int(),
  seed: z.number().int(),
  groupsPerCategory: z.number().int(),
  perImageGroups: z.boolean(),
  passes: z.number().int(),
  rows: z.array(
    z.object({ layer: z.string(), category: z.string(), units: z.number().int(), dice: distributionSchema, csiR: distributionSchema, selectedA: numberOrNaN, selectedB: numberOrNaN }),
  ),
  seconds: z.number(),
});

const nullSchema: z.ZodType<NullSummary, unknown> = z.object({ mean: numberOrNaN, sd: numberOrNaN });

const replicationSchema: z.ZodType<ReplicationResult, unknown> = z.object({
  analysis: z.number().int(),
  runA: z.number().int(),
  projectB: z.string(),
  runB: z.number().int(),
  sha256: z.string(),
  shuffles: z.number().int(),
  seed: z.number().int(),
  rows: z.array(
    z.object({
      layer: z.string(),
      category: z.string(),
      units: z.number().int(),
      selectedA: z.number().int(),
      selectedB: z.number().int(),
      overlap: z.number().int(),
      dice: numberOrNaN,
      jaccard: numberOrNaN,
      csiR: numberOrNaN,
      csiUnits: z.number().int(),
      expectedDice: numberOrNaN,
      nullDice: nullSchema,
      nullJaccard: nullSchema,
      nullCsiR: nullSchema,
      pDice: numberOrNaN,
      pJaccard: numberOrNaN,
      pCsiR: numberOrNaN,
    }),
  ),
});

/** What each kind of analysis stores as its result. */
const RESULTS = { ablation: ablationSchema, reliability: reliabilitySchema, replication: replicationSchema } as const satisfies Record<AnalysisKind, z.ZodType>;

export type AnalysisResult<K extends AnalysisKind> = z.output<(typeof RESULTS)[K]>;

const objectSchema = z.record(z.string(), z.unknown());

/**
 * Stores a finished analysis in one transaction: `result` receives the new row's id (results name
 * their own analysis). Returns the stored result.
 */
export function storeAnalysis<K extends AnalysisKind>(
  db: Db,
  kind: K,
  run: number | null,
  record: { params: Record<string, unknown>; manifest: Record<string, unknown>; seconds: number },
  result: (id: number) => AnalysisResult<K>,
): AnalysisResult<K> {
  return db.transaction(() => {
    const info = statement(db, 'INSERT INTO analyses (kind, run_id, created_at, params, manifest, seconds) VALUES (?, ?, ?, ?, ?, ?)').run(
      kind,
      run,
      new Date().toISOString(),
      JSON.stringify(record.params),
      JSON.stringify(record.manifest),
      record.seconds,
    );
    const stored = result(Number(info.lastInsertRowid));
    statement(db, 'UPDATE analyses SET result = ? WHERE id = ?').run(JSON.stringify(stored), info.lastInsertRowid);
    return stored;
  }).immediate();
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
  return { id: row.id, kind: row.kind, run: row.run_id, createdAt: row.created_at, params: parseJsonColumn(objectSchema, row.params, `analysis #${row.id}'s settings`), seconds: row.seconds };
}

export function listAnalyses(db: Db, filter: { run?: number | undefined; kind?: AnalysisKind | undefined } = {}): AnalysisSummary[] {
  return statement<(number | string | null)[], Row>(
    db,
    `SELECT id, kind, run_id, created_at, params, manifest, NULL AS result, seconds FROM analyses
     WHERE result IS NOT NULL AND (? IS NULL OR run_id = ?) AND (? IS NULL OR kind = ?) ORDER BY id`,
  )
    .all(filter.run ?? null, filter.run ?? null, filter.kind ?? null, filter.kind ?? null)
    .map(summary);
}

export function readAnalysis(db: Db, id: number): StoredAnalysis | undefined {
  const row = statement<[number], Row>(db, 'SELECT * FROM analyses WHERE id = ? AND result IS NOT NULL').get(id);
  if (!row?.result) return undefined;
  return {
    ...summary(row),
    manifest: parseJsonColumn(objectSchema, row.manifest, `analysis #${id}'s manifest`),
    result: parseJsonColumn(RESULTS[row.kind], row.result, `analysis #${id}'s result`),
  };
}
