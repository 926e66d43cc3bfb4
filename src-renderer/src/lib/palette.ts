// Okabe & Ito's colour-blind-safe palette (2008): distinguishable under the common colour-vision
// deficiencies, in light and dark themes. Categories keep their colour across every chart.
export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999'] as const;

/** Each category's colour, by its position in the project's category list (stable across charts). */
export function categoryColor(categories: readonly string[], category: string): string {
  const index = categories.indexOf(category);
  return OKABE_ITO[(index < 0 ? 0 : index) % OKABE_ITO.length]!;
}

/** Line styles tell overlaid models apart without relying on colour. */
export const MODEL_DASHES = ['solid', 'dashed', 'dotted'] as const;
