// A run's per-unit values as every reader gets them (result pages, exports, comparisons). Since m150 a
// run stores per unit only what its units' own statistics cannot give, the selection and q
// (storage/unit-results-store.ts, 'kept' records); the rest (means, CSI, t, p, d', d' vs second, mean
// pairwise t) is recomputed here for just the units read, from the final sufficient statistics of the
// run that holds them (itself, or the run it reanalyses), by the recipe's own arithmetic
// (stats/recipes.ts derivedUnitValues), then rounded to the dtypes of UNIT_FIELDS (float32 display
// metrics, float64 p). Runs stored before m150 keep the values up to d' in their records ('whole') and are
// read as stored, without their statistics: d' vs second and the mean pairwise t, which they never
// stored, read as NaN until the run is reanalysed. docs/storage.md, "Derived on read".
import type { RecipeSettings } from '../../contract/recipe.ts';
import { EngineError } from '../errors.ts';
import type { CategoryDef, LayerStats, TapShape } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { DERIVED_FIELDS, derivedUnitValues, type DerivedField } from '../stats/recipes.ts';
import { readRunCategories, readRunLayers } from '../storage/run-inputs-store.ts';
import { readRunRecord } from '../storage/runs-store.ts';
import { readLayerStats, readUnitStats } from '../storage/statistics-store.ts';
import {
  readOrder,
  readStoredFields,
  readUnitRange,
  readUnitsAt,
  STORED_FIELDS,
  UNIT_FIELDS,
  type FieldArray,
  type RecordLayout,
  type StoredRecords,
  type UnitFieldName,
  type UnitOrder,
  type UnitRecord,
} from '../storage/unit-results-store.ts';
import { statsSource } from './run-inputs.ts';

/** The derivable fields of UNIT_FIELDS, with their stored name and whether readers get them as float32. */
const DERIVED_COLUMNS = UNIT_FIELDS.flatMap(({ field, name, dtype }) => (isDerived(field) ? [{ field, name, float32: dtype === 'f32' }] : []));

function isDerived(field: string): field is DerivedField & keyof UnitRecord {
  return (DERIVED_FIELDS as readonly string[]).includes(field);
}

/**
 * What readers add to a layout's records: the fields they derive, and those they give as NaN. 'whole'
 * runs derive nothing: their statistics are mostly whole BLOBs (before m150), and reading a layer's
 * statistics for every page would cost more than the page.
 */
const COMPLETION: Record<RecordLayout, { derived: typeof DERIVED_COLUMNS; absent: typeof DERIVED_COLUMNS }> = {
  kept: { derived: DERIVED_COLUMNS.filter((c) => !STORED_FIELDS.kept.includes(c.name)), absent: [] },
  whole: { derived: [], absent: DERIVED_COLUMNS.filter((c) => !STORED_FIELDS.whole.includes(c.name)) },
};

/** What derivation needs of a run, read once per reader. */
interface RunBasis {
  categories: CategoryDef[];
  recipe: RecipeSettings;
  taps: TapShape[];
  statsRun: number;
}

/** One project's run: its unit values per (layer, target category). */
export class UnitValues {
  private basis: RunBasis | undefined;
  /** The last whole layer's statistics (exports and comparisons read every category of a layer in turn). */
  private layerStats: { position: number; stats: LayerStats } | undefined;

  constructor(
    private readonly project: Project,
    private readonly runId: number,
  ) {}

  /** Units [first, first + count) in unit order; undefined when the (layer, category) has no results. */
  range(position: number, category: string, first: number, count: number): UnitRecord[] | undefined {
    const stored = readUnitRange(this.project.db, this.runId, position, category, first, count);
    return stored && this.complete(position, category, stored);
  }

  /** The records of `units`, in the order given. */
  at(position: number, category: string, units: ArrayLike<number>): UnitRecord[] | undefined {
    const stored = readUnitsAt(this.project.db, this.runId, position, category, units);
    return stored && this.complete(position, category, stored);
  }

  /** Records [first, first + count) of a stored order, and how many units the order holds in all. */
  ordered(position: number, category: string, order: UnitOrder, first: number, count: number): { total: number; records: UnitRecord[] } | undefined {
    const page = readOrder(this.project.db, this.runId, position, category, order, first, count);
    if (!page) return undefined;
    const records = this.at(position, category, page.units);
    return records && { total: page.total, records };
  }

  /**
   * Fields as whole columns in unit order (every field when `names` is absent), with the dtypes of
   * UNIT_FIELDS. Derived fields read the layer's whole statistics once for all its categories.
   */
  fields<N extends UnitFieldName>(position: number, category: string, names?: readonly N[]): Record<N, FieldArray> | undefined {
    const wanted = (names ?? UNIT_FIELDS.map((f) => f.name)) as readonly UnitFieldName[];
    // q comes along: ranksum-maxp's p is its q.
    const stored = readStoredFields(this.project.db, this.runId, position, category, [...wanted, 'q_max']);
    if (!stored) return undefined;
    const { derived, absent } = COMPLETION[stored.layout];
    const derive = derived.filter((c) => wanted.includes(c.name));
    const out: Partial<Record<UnitFieldName, FieldArray>> = {};
    for (const name of wanted) if (stored.fields[name]) out[name] = stored.fields[name];
    const units = stored.fields.q_max!.length;
    for (const c of absent) if (wanted.includes(c.name)) out[c.name] = (c.float32 ? new Float32Array(units) : new Float64Array(units)).fill(NaN);
    if (derive.length === 0) return out as Record<N, FieldArray>;
    const values = this.derive(this.wholeLayerStats(position), category, derive.map((c) => c.field), stored.fields.q_max as Float64Array);
    for (const c of derive) out[c.name] = c.float32 ? Float32Array.from(values[c.field]!) : values[c.field]!;
    return out as Record<N, FieldArray>;
  }

  private complete(position: number, category: string, stored: StoredRecords): UnitRecord[] {
    // COMPLETION: 'whole' records are read as stored, with NaN for what they never held.
    if (stored.layout === 'whole') return stored.records.map((r) => ({ ...r, dprimeSecond: NaN, meanPairT: NaN }));
    const kept = stored.records;
    if (kept.length === 0) return [];
    const units = Int32Array.from(kept, (r) => r.unit);
    const stats = readUnitStats(this.project.db, this.ensureBasis().statsRun, position, units);
    if (!stats || stats.state !== 'final') throw this.noStatistics(position);
    const subset: LayerStats = { tap: { name: this.tapName(position), tensor: '', channels: units.length, height: 1, width: 1 }, count: stats.count, mean: stats.mean, m2: stats.m2 };
    const derive = COMPLETION.kept.derived;
    const v = this.derive(
      subset,
      category,
      derive.map((c) => c.field),
      Float64Array.from(kept, (r) => r.qMax),
    );
    // Rounded as whole columns are (UNIT_FIELDS' dtypes).
    const col = Object.fromEntries(derive.map((c) => [c.field, c.float32 ? Float32Array.from(v[c.field]!) : v[c.field]!])) as Record<DerivedField, Float32Array | Float64Array>;
    // Every record one object literal, so one shape: records built field by field were four times
    // slower to make and to read (the 3,136 units of a layer1 channel: 24 ms against 6).
    return kept.map((r, i) => ({
      unit: r.unit,
      selective: r.selective,
      csi: col.csi[i]!,
      tMin: col.tMin[i]!,
      pMax: col.pMax[i]!,
      qMax: r.qMax,
      meanTarget: col.meanTarget[i]!,
      meanOthers: col.meanOthers[i]!,
      dprime: col.dprime[i]!,
      dprimeSecond: col.dprimeSecond[i]!,
      meanPairT: col.meanPairT[i]!,
    }));
  }

  private derive(stats: LayerStats, category: string, fields: readonly DerivedField[], qMax: Float64Array) {
    const { categories, recipe } = this.ensureBasis();
    const c = categories.findIndex((k) => k.name === category);
    if (c < 0) throw new EngineError('not_found', `run #${this.runId} has no category '${category}'`, { file: this.project.path });
    return derivedUnitValues(stats, categories, recipe, c, fields, qMax);
  }

  private wholeLayerStats(position: number): LayerStats {
    if (this.layerStats?.position === position) return this.layerStats.stats;
    const basis = this.ensureBasis();
    const stored = readLayerStats(this.project.db, basis.statsRun, position);
    if (!stored || stored.state !== 'final') throw this.noStatistics(position);
    const stats: LayerStats = { tap: basis.taps[position]!, count: stored.count, mean: stored.mean, m2: stored.m2 };
    this.layerStats = { position, stats };
    return stats;
  }

  private ensureBasis(): RunBasis {
    if (this.basis) return this.basis;
    const db = this.project.db;
    const record = readRunRecord(db, this.runId);
    if (!record) throw new EngineError('not_found', `${this.project.path}: no run #${this.runId}`, { file: this.project.path });
    this.basis = {
      categories: readRunCategories(db, this.runId).map(({ name, role, controlsFor }) => ({ name, role, controlsFor })),
      recipe: record.recipe,
      taps: readRunLayers(db, this.runId),
      statsRun: statsSource(this.project, this.runId),
    };
    return this.basis;
  }

  private tapName(position: number): string {
    return this.ensureBasis().taps[position]?.name ?? `layer ${position}`;
  }

  private noStatistics(position: number): EngineError {
    return new EngineError('internal', `run #${this.runId}: the final statistics of layer ${this.tapName(position)} are missing, so its unit values cannot be read`, { file: this.project.path });
  }
}
