// Category colours by name, the same in every chart, export, report and project. Known localizer
// categories have fixed Okabe & Ito colours (2008: distinguishable under the common colour-vision
// deficiencies, in light and dark themes), so `faces` is always vermillion whatever order a project lists
// its categories in; a scrambled control takes its target's colour, lightened; any other name takes a
// colour of Paul Tol's "muted" scheme (also colour-blind safe) chosen by a stable hash of the name.
// docs/figures.md lists the assignments.
export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999'] as const;
export const TOL_MUTED = ['#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255', '#44AA99', '#999933', '#AA4499'] as const;

/** The localizer categories of fLoc, the demo and the papers, with synonyms that share a colour. */
const KNOWN: Readonly<Record<string, string>> = {
  faces: '#D55E00',
  face: '#D55E00',
  bodies: '#CC79A7',
  body: '#CC79A7',
  limbs: '#CC79A7',
  scenes: '#009E73',
  places: '#009E73',
  words: '#0072B2',
  characters: '#0072B2',
  objects: '#E69F00',
  numbers: '#56B4E9',
  tools: '#F0E442',
  animals: '#56B4E9',
};

const CONTROL_PREFIX = /^(scrambled|scram|phase[-_]?scrambled|block[-_]?scrambled)[-_ ]?/i;

/** FNV-1a over the name's UTF-16 code units: stable across runs, platforms and projects. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `hex` mixed with white: a control is drawn as a paler version of its target. */
function lighten(hex: string, amount: number): string {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(v + (255 - v) * amount).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(1)}${channel(2)}`.toUpperCase();
}

/** The colour of a category, from its name alone. */
export function categoryColor(category: string): string {
  const name = category.trim().toLowerCase();
  const known = KNOWN[name];
  if (known) return known;
  const control = CONTROL_PREFIX.exec(name);
  if (control) {
    const target = name.slice(control[0].length);
    return lighten(target ? categoryColor(target) : OKABE_ITO[7], 0.5);
  }
  return TOL_MUTED[nameHash(name) % TOL_MUTED.length]!;
}

/**
 * How the models of a figure are told apart without colour (colour is the category's): a line dash, a
 * marker and, in bar charts, a grey shade, by the model's position in the study (fixed for a study).
 */
export const MODEL_STYLES = [
  { dash: 'solid', symbol: 'circle', shade: '#333333' },
  { dash: 'dashed', symbol: 'triangle', shade: '#777777' },
  { dash: 'dotted', symbol: 'rect', shade: '#AAAAAA' },
  { dash: [8, 3, 2, 3], symbol: 'diamond', shade: '#555555' },
  { dash: [2, 2], symbol: 'pin', shade: '#999999' },
  { dash: [12, 4], symbol: 'roundRect', shade: '#CCCCCC' },
] as const;

export type ModelStyle = (typeof MODEL_STYLES)[number];

export function modelStyle(index: number): ModelStyle {
  return MODEL_STYLES[index % MODEL_STYLES.length]!;
}

/** Line styles tell overlaid models apart without relying on colour. */
export const MODEL_DASHES = MODEL_STYLES.map((s) => s.dash);
