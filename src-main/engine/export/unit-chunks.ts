// The rows of `units.*`: one per unit x target category, produced one (layer, category) chunk at a time
// so an export of millions of rows never holds more than one layer's columns in memory.
import { EngineError } from '../errors.ts';
import { positionCell, tapUnits, unitChannel, unitPosition, type TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { readRunLayers } from '../storage/run-inputs-store.ts';
import { UNIT_FIELDS, type FieldArray, type UnitFieldName } from '../storage/unit-results-store.ts';
import { targetCategories } from '../runs/results-queries.ts';
import { UnitValues } from '../runs/unit-values.ts';

/** Exported numeric columns in export order: name in the export and the stored column it comes from. */
const EXPORT_NAMES = [
  ['selective', 'selective'],
  ['csi', 'csi'],
  ['t_min', 't_min'],
  ['p_max', 'p_max'],
  ['q_max', 'q_max'],
  ['mean', 'mean_target'],
  ['mean_others', 'mean_others'],
  ['dprime', 'dprime'],
  ['dprime_second', 'dprime_second'],
  ['mean_pair_t', 'mean_pair_t'],
] as const satisfies readonly (readonly [string, (typeof UNIT_FIELDS)[number]['name']])[];

/** The exported columns with their stored dtype, taken from the storage layout so the two cannot drift. */
export const EXPORT_VALUE_COLUMNS: readonly { name: string; stored: UnitFieldName; dtype: (typeof UNIT_FIELDS)[number]['dtype'] }[] = EXPORT_NAMES.map(([name, stored]) => ({
  name,
  stored,
  dtype: UNIT_FIELDS.find((c) => c.name === stored)!.dtype,
}));

export type ExportValueColumn = (typeof EXPORT_VALUE_COLUMNS)[number];

export interface ChunkPlan {
  layerIndex: number;
  tap: TapShape;
  category: string;
  categoryIndex: number;
  rows: number;
}

export interface ExportPlan {
  layers: TapShape[];
  categories: string[];
  chunks: ChunkPlan[];
  rows: number;
}

export function planExport(project: Project, runId: number, layerFilter?: readonly string[]): ExportPlan {
  const all = readRunLayers(project.db, runId);
  if (layerFilter) {
    const unknown = layerFilter.filter((name) => !all.some((l) => l.name === name));
    if (unknown.length > 0) {
      throw new EngineError('not_found', `run #${runId} has no layer ${unknown.map((n) => `'${n}'`).join(', ')} (layers: ${all.map((l) => l.name).join(', ')})`);
    }
  }
  const categories = targetCategories(project.db, runId);
  const chunks: ChunkPlan[] = [];
  all.forEach((tap, layerIndex) => {
    if (layerFilter && !layerFilter.includes(tap.name)) return;
    categories.forEach((category, categoryIndex) => {
      chunks.push({ layerIndex, tap, category, categoryIndex, rows: tapUnits(tap) });
    });
  });
  return { layers: all, categories, chunks, rows: chunks.reduce((s, c) => s + c.rows, 0) };
}

export type ChunkColumnReader = (chunk: ChunkPlan, column: ExportValueColumn) => Uint8Array | Float32Array | Float64Array;

/**
 * Reads export columns for one export. It keeps the last chunk's fields: the CSV and Parquet writers read
 * every column of one chunk in a row, and all of them come from one read of its records (and one
 * derivation from the layer's statistics, runs/unit-values.ts).
 */
export function chunkColumnReader(project: Project, runId: number): ChunkColumnReader {
  const values = new UnitValues(project, runId);
  let last: { chunk: ChunkPlan; fields: Record<UnitFieldName, FieldArray> } | undefined;
  return (chunk, column) => {
    if (last?.chunk !== chunk) {
      const fields = values.fields(chunk.layerIndex, chunk.category);
      if (!fields) throw new EngineError('internal', `run #${runId} is missing the unit results of ${chunk.tap.name}/${chunk.category}`, { file: project.path });
      last = { chunk, fields };
    }
    return last.fields[column.stored];
  };
}

/** unit, channel, y, x for every unit of a layer (docs/models.md "Units"; y = x = -1 for a class token). */
export function unitCoordinates(tap: TapShape): { unit: Int32Array; channel: Int32Array; y: Int32Array; x: Int32Array } {
  const n = tapUnits(tap);
  const unit = new Int32Array(n);
  const channel = new Int32Array(n);
  const y = new Int32Array(n);
  const x = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    unit[u] = u;
    channel[u] = unitChannel(tap, u);
    const cell = positionCell(tap, unitPosition(tap, u));
    y[u] = cell.y;
    x[u] = cell.x;
  }
  return { unit, channel, y, x };
}
