// Effect measures of an ablation against the intact model, per image, then per evaluation category:
//  - classifier: top-1 agreement with the intact model's label, and the drop of the intact top logit
//    (intact[t] - ablated[t], t = the intact model's top class);
//  - embedding: cosine similarity of the ablated to the intact embedding.
// Against the random-unit controls, a one-sided permutation p asks whether the selective set hurts at
// least as much as random sets of its size: p = (1 + #{controls with an effect >= the selective one}) /
// (R + 1), "effect" oriented so larger = worse. Benjamini-Hochberg across evaluation categories.
import type { AblationMeasure, AblationMeasureName, AblationCategoryEffect } from '../../contract/analysis-types.ts';
import { adjustPValues } from '../stats/fdr.ts';

export type OutputKind = 'classifier' | 'embedding';

export const MEASURES: Record<OutputKind, { name: AblationMeasureName; worse: 'lower' | 'higher' }[]> = {
  classifier: [
    { name: 'top1-agreement', worse: 'lower' },
    { name: 'top-logit-drop', worse: 'higher' },
  ],
  embedding: [{ name: 'cosine', worse: 'lower' }],
};

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  return best;
}

/**
 * Per-image values of each measure (in MEASURES order) for `ablated` against `intact`; both are
 * images x width, row-major, float32 as the model returned them. Arithmetic in float64.
 */
export function perImageMeasures(kind: OutputKind, intact: Float32Array, ablated: Float32Array, width: number): Float64Array[] {
  const images = intact.length / width;
  if (kind === 'classifier') {
    const agree = new Float64Array(images);
    const drop = new Float64Array(images);
    for (let i = 0; i < images; i++) {
      const a = intact.subarray(i * width, (i + 1) * width);
      const b = ablated.subarray(i * width, (i + 1) * width);
      const t = argmax(a);
      agree[i] = argmax(b) === t ? 1 : 0;
      drop[i] = a[t]! - b[t]!;
    }
    return [agree, drop];
  }
  const cosine = new Float64Array(images);
  for (let i = 0; i < images; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < width; j++) {
      const x = intact[i * width + j]!;
      const y = ablated[i * width + j]!;
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    cosine[i] = dot / Math.sqrt(na * nb);
  }
  return [cosine];
}

/** Mean of `values` over the images of each category (index = category), and over all images last. */
export function categoryMeans(values: Float64Array, imageCategories: ArrayLike<number>, categories: number): Float64Array {
  const sum = new Float64Array(categories + 1);
  const count = new Float64Array(categories + 1);
  for (let i = 0; i < values.length; i++) {
    const k = imageCategories[i]!;
    sum[k] = sum[k]! + values[i]!;
    count[k] = count[k]! + 1;
    sum[categories] = sum[categories]! + values[i]!;
    count[categories] = count[categories]! + 1;
  }
  return sum.map((s, k) => (count[k]! > 0 ? s / count[k]! : NaN));
}

/** One-sided permutation p: how often a control is at least as bad as the selective set. */
export function permutationP(selective: number, controls: readonly number[], worse: 'lower' | 'higher'): number {
  let atLeast = 0;
  for (const c of controls) if (worse === 'higher' ? c >= selective : c <= selective) atLeast++;
  return (1 + atLeast) / (controls.length + 1);
}

function meanSd(values: readonly number[]): { mean: number; sd: number } {
  if (values.length === 0) return { mean: NaN, sd: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : NaN;
  return { mean, sd };
}

/**
 * Summaries per measure: `selective[m]` and `controls[r][m]` hold the per-category means (categories,
 * then the all-images value last) of measure m for the selective set and for control r.
 */
export function summarizeEffects(
  kind: OutputKind,
  categoryNames: readonly string[],
  categoryImages: readonly number[],
  selective: Float64Array[],
  controls: Float64Array[][],
): AblationMeasure[] {
  return MEASURES[kind].map((m, mi) => {
    const rows = (k: number): AblationCategoryEffect => {
      const ctrl = controls.map((c) => c[mi]![k]!);
      const { mean, sd } = meanSd(ctrl);
      const sel = selective[mi]![k]!;
      return { category: k < categoryNames.length ? categoryNames[k]! : 'all', images: categoryImages[k]!, selective: sel, controls: ctrl, controlMean: mean, controlSd: sd, p: permutationP(sel, ctrl, m.worse), q: NaN };
    };
    const perCategory = categoryNames.map((_, k) => rows(k)).filter((r) => r.images > 0);
    const q = adjustPValues(Float64Array.from(perCategory.map((r) => r.p)), 'bh');
    perCategory.forEach((r, i) => (r.q = q[i]!));
    return { name: m.name, worse: m.worse, overall: rows(categoryNames.length), perCategory };
  });
}
