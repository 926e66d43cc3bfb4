// Compares two stored runs of one project unit by unit: their final sufficient statistics, the t values
// the recipe computes from them (float64, recomputed with the engine's own analysis so the comparison
// is not blurred by the float32 display columns) and the stored selection masks. Shared by the local
// shard test and the Slurm test.
import type { Project } from '../../../src-main/engine/project.ts';
import { analyzeLayer } from '../../../src-main/engine/stats/analyze.ts';
import { readLayerStats } from '../../../src-main/engine/storage/statistics-store.ts';
import { readRunCategories, readRunLayers } from '../../../src-main/engine/storage/run-inputs-store.ts';
import { readUnitColumn } from '../../../src-main/engine/storage/unit-results-store.ts';
import { readRunRecord } from '../../../src-main/engine/storage/runs-store.ts';

export interface RunComparison {
  layers: number;
  /** Largest relative difference of mean and M2 over all units and categories. */
  statsMaxRel: number;
  countsEqual: boolean;
  /** Largest |t_a - t_b| / max(|t_a|, |t_b|) over finite t; and whether NaN/inf sit at the same units. */
  tMaxRel: number;
  tCompared: number;
  tNonFiniteSame: boolean;
  /** Stored selective masks: units compared, units that differ, selective units in run A. */
  maskUnits: number;
  maskDiffs: number;
  selectiveA: number;
}

function rel(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

export function compareRuns(project: Project, runA: number, runB: number): RunComparison {
  const db = project.db;
  const taps = readRunLayers(db, runA);
  const categories = readRunCategories(db, runA).map(({ name, role, controlsFor }) => ({ name, role, controlsFor }));
  const recipe = readRunRecord(db, runA)!.recipe;
  const out: RunComparison = { layers: taps.length, statsMaxRel: 0, countsEqual: true, tMaxRel: 0, tCompared: 0, tNonFiniteSame: true, maskUnits: 0, maskDiffs: 0, selectiveA: 0 };
  taps.forEach((tap, l) => {
    const a = readLayerStats(db, runA, l)!;
    const b = readLayerStats(db, runB, l)!;
    if (a.state !== 'final' || b.state !== 'final') throw new Error(`layer ${tap.name}: statistics not final`);
    out.countsEqual &&= Array.from(a.count).every((n, k) => n === b.count[k]);
    for (let i = 0; i < a.mean.length; i++) {
      out.statsMaxRel = Math.max(out.statsMaxRel, rel(a.mean[i]!, b.mean[i]!), rel(a.m2[i]!, b.m2[i]!));
    }
    const ra = analyzeLayer({ tap, count: a.count, mean: a.mean, m2: a.m2 }, categories, recipe);
    const rb = analyzeLayer({ tap, count: b.count, mean: b.mean, m2: b.m2 }, categories, recipe);
    ra.units.forEach((ua, c) => {
      const ub = rb.units[c]!;
      for (let u = 0; u < ua.tMin.length; u++) {
        const ta = ua.tMin[u]!;
        const tb = ub.tMin[u]!;
        if (Number.isFinite(ta) && Number.isFinite(tb)) {
          out.tMaxRel = Math.max(out.tMaxRel, rel(ta, tb));
          out.tCompared++;
        } else if (!Object.is(ta, tb)) {
          out.tNonFiniteSame = false;
        }
      }
      const ma = readUnitColumn(db, runA, l, ua.category, 'selective', 'u8')!;
      const mb = readUnitColumn(db, runB, l, ua.category, 'selective', 'u8')!;
      out.maskUnits += ma.length;
      for (let u = 0; u < ma.length; u++) {
        if (ma[u] !== mb[u]) out.maskDiffs++;
        out.selectiveA += ma[u]!;
      }
    });
  });
  return out;
}
