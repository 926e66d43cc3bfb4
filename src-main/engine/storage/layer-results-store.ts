// Layer-level results (m040-results): one row per layer x target category with the layer metrics, and
// the pre-computed chart aggregates. Both are small JSON documents written once at the end of a run (or
// a reanalysis); aggregates are keyed by a kind from AGGREGATES below, each with its schema, so what a
// kind holds is declared once and checked on every read.
import { z } from 'zod';
import type { ChannelCount, ConsistencyResult, CsiLayerDistribution, Quartiles } from '../../contract/results-types.ts';
import { textChecksum, verifiedText } from './blobs.ts';
import type { Db } from './database.ts';
import { numberOrNaN, parseJsonColumn } from './json-columns.ts';
import { statement } from './statements.ts';
import { deleteUnitResults } from './unit-results-store.ts';

const metricsSchema = z.record(z.string(), z.number().nullable());

const quartilesSchema: z.ZodType<Quartiles> = z.object({
  min: z.number().nullable(),
  q1: z.number().nullable(),
  median: z.number().nullable(),
  q3: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  count: z.number(),
});

const csiSchema: z.ZodType<CsiLayerDistribution> = z.object({
  layer: z.string(),
  edges: z.array(z.number()),
  all: z.array(z.number()),
  selective: z.array(z.number()),
  quartilesAll: quartilesSchema,
  quartilesSelective: quartilesSchema,
  undefinedCount: z.number(),
});

const channelsSchema: z.ZodType<ChannelCount[]> = z.array(z.object({ channel: z.number().int(), selective: z.number(), fraction: z.number() }));

const matrixSchema = z.array(z.array(z.number().nullable()));

const consistencySchema: z.ZodType<ConsistencyResult> = z.object({
  run: z.number().int(),
  layers: z.array(z.string()),
  categories: z.array(z.string()),
  matrices: z.record(z.string(), matrixSchema),
  baseline: matrixSchema,
  summary: z.record(z.string(), z.object({ mean: z.number().nullable(), adjacent: z.number().nullable() })),
  notes: z.record(z.string(), z.array(z.string())),
  maxUnits: z.number().int(),
  seed: z.number(),
});

/**
 * The kinds of chart aggregates and what each holds. Per layer and target category: csi (histogram and
 * quartiles), channels (selective units per channel), density (H x W map). Per layer ('' category):
 * overlap (units selective for 1, 2, ... categories). Per run (position -1, '' category): consistency.
 */
export interface AggregateKinds {
  csi: CsiLayerDistribution;
  channels: ChannelCount[];
  density: number[];
  overlap: number[];
  consistency: ConsistencyResult;
}

export type AggregateKind = keyof AggregateKinds;

const AGGREGATES: { [K in AggregateKind]: z.ZodType<AggregateKinds[K], unknown> } = {
  csi: csiSchema,
  channels: channelsSchema,
  density: z.array(numberOrNaN),
  overlap: z.array(numberOrNaN),
  consistency: consistencySchema,
};

export interface LayerResultRow {
  position: number;
  category: string;
  units: number;
  selective: number;
  /** method.md "Layer metrics"; null where undefined. */
  metrics: Record<string, number | null>;
}

export function writeLayerResult(db: Db, runId: number, row: LayerResultRow): void {
  const metrics = JSON.stringify(row.metrics);
  statement(db, 'INSERT INTO layer_results (run_id, position, category, units, selective, metrics, crc) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    runId,
    row.position,
    row.category,
    row.units,
    row.selective,
    metrics,
    textChecksum(metrics),
  );
}

export function readLayerResults(db: Db, runId: number): LayerResultRow[] {
  return statement<[number], Omit<LayerResultRow, 'metrics'> & { metrics: string; crc: number }>(
    db,
    'SELECT position, category, units, selective, metrics, crc FROM layer_results WHERE run_id = ? ORDER BY position, rowid',
  )
    .all(runId)
    .map(({ crc, ...r }) => {
      const text = verifiedText(r.metrics, crc, { db, table: 'layer_results', what: `${r.category} metrics`, runId, position: r.position });
      return { ...r, metrics: parseJsonColumn(metricsSchema, text, `run #${runId}'s metrics of layer ${r.position}/${r.category}`) };
    });
}

export function writeAggregate<K extends AggregateKind>(db: Db, runId: number, kind: K, position: number, category: string, data: AggregateKinds[K]): void {
  const text = JSON.stringify(data);
  statement(
    db,
    `INSERT INTO run_aggregates (run_id, position, category, kind, data, crc) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(run_id, kind, position, category) DO UPDATE SET data = excluded.data, crc = excluded.crc`,
  ).run(runId, position, category, kind, text, textChecksum(text));
}

function parseAggregate<K extends AggregateKind>(db: Db, runId: number, kind: K, position: number, category: string, row: { data: string; crc: number }): AggregateKinds[K] {
  const text = verifiedText(row.data, row.crc, { db, table: 'run_aggregates', what: `${kind}${category ? ` ${category}` : ''}`, runId, position });
  return parseJsonColumn(AGGREGATES[kind], text, `run #${runId}'s ${kind} aggregate (layer ${position}${category ? `, ${category}` : ''})`);
}

export function readAggregate<K extends AggregateKind>(db: Db, runId: number, kind: K, position: number, category: string): AggregateKinds[K] | undefined {
  const row = statement<[number, string, number, string], { data: string; crc: number }>(db, 'SELECT data, crc FROM run_aggregates WHERE run_id = ? AND kind = ? AND position = ? AND category = ?').get(
    runId,
    kind,
    position,
    category,
  );
  return row ? parseAggregate(db, runId, kind, position, category, row) : undefined;
}

/** One kind for one category over every layer, in layer order. */
export function readAggregates<K extends AggregateKind>(db: Db, runId: number, kind: K, category: string): { position: number; data: AggregateKinds[K] }[] {
  return statement<[number, string, string], { position: number; data: string; crc: number }>(
    db,
    'SELECT position, data, crc FROM run_aggregates WHERE run_id = ? AND kind = ? AND category = ? ORDER BY position',
  )
    .all(runId, kind, category)
    .map((r) => ({ position: r.position, data: parseAggregate(db, runId, kind, r.position, category, r) }));
}

/** Removes everything an analysis wrote for a run (before writing it again on resume). */
export function deleteRunAnalysis(db: Db, runId: number): void {
  deleteUnitResults(db, runId);
  statement(db, 'DELETE FROM layer_results WHERE run_id = ?').run(runId);
  statement(db, 'DELETE FROM run_aggregates WHERE run_id = ?').run(runId);
}

/** Whether a layer's analysis is stored (it is written in one transaction, so present means complete). */
export function hasLayerAnalysis(db: Db, runId: number, position: number): boolean {
  return statement<[number, number]>(db, "SELECT 1 FROM run_aggregates WHERE run_id = ? AND kind = 'overlap' AND position = ?").get(runId, position) !== undefined;
}
