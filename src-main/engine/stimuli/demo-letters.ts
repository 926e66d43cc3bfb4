// A stroke font for the demo's word images. Letters are polylines on a 4 x 6 grid (y down), drawn by our
// own code in several styles, so the images are identical on every machine: no system font is involved.
import type { Rng } from '../random.ts';

type Stroke = [number, number][];

const O: Stroke = [[1, 0], [3, 0], [4, 1], [4, 5], [3, 6], [1, 6], [0, 5], [0, 1], [1, 0]];
const P: Stroke[] = [[[0, 6], [0, 0], [3, 0], [4, 1], [4, 2], [3, 3], [0, 3]]];

export const STROKE_FONT: Readonly<Record<string, Stroke[]>> = {
  A: [[[0, 6], [2, 0], [4, 6]], [[1, 3.5], [3, 3.5]]],
  B: [[[0, 6], [0, 0], [3, 0], [4, 1], [4, 2], [3, 3], [0, 3]], [[3, 3], [4, 4], [4, 5], [3, 6], [0, 6]]],
  C: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 5], [1, 6], [3, 6], [4, 5]]],
  D: [[[0, 0], [0, 6], [3, 6], [4, 5], [4, 1], [3, 0], [0, 0]]],
  E: [[[4, 0], [0, 0], [0, 6], [4, 6]], [[0, 3], [3, 3]]],
  F: [[[4, 0], [0, 0], [0, 6]], [[0, 3], [3, 3]]],
  G: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 5], [1, 6], [3, 6], [4, 5], [4, 3], [2, 3]]],
  H: [[[0, 0], [0, 6]], [[4, 0], [4, 6]], [[0, 3], [4, 3]]],
  I: [[[2, 0], [2, 6]], [[1, 0], [3, 0]], [[1, 6], [3, 6]]],
  J: [[[4, 0], [4, 5], [3, 6], [1, 6], [0, 5]]],
  K: [[[0, 0], [0, 6]], [[4, 0], [0, 3.5]], [[1.5, 2.5], [4, 6]]],
  L: [[[0, 0], [0, 6], [4, 6]]],
  M: [[[0, 6], [0, 0], [2, 3], [4, 0], [4, 6]]],
  N: [[[0, 6], [0, 0], [4, 6], [4, 0]]],
  O: [O],
  P,
  Q: [O, [[2.5, 4.5], [4, 6]]],
  R: [...P, [[2, 3], [4, 6]]],
  S: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 2], [1, 3], [3, 3], [4, 4], [4, 5], [3, 6], [1, 6], [0, 5]]],
  T: [[[0, 0], [4, 0]], [[2, 0], [2, 6]]],
  U: [[[0, 0], [0, 5], [1, 6], [3, 6], [4, 5], [4, 0]]],
  V: [[[0, 0], [2, 6], [4, 0]]],
  W: [[[0, 0], [1, 6], [2, 2], [3, 6], [4, 0]]],
  X: [[[0, 0], [4, 6]], [[4, 0], [0, 6]]],
  Y: [[[0, 0], [2, 3], [4, 0]], [[2, 3], [2, 6]]],
  Z: [[[0, 0], [4, 0], [0, 6], [4, 6]]],
};

// Common short English words, written for this file (no word list is copied from anywhere).
const WORDS = [
  'HOUSE', 'WATER', 'LIGHT', 'PAPER', 'MUSIC', 'RIVER', 'STONE', 'GREEN', 'TABLE', 'HORSE', 'CLOUD', 'BREAD',
  'NIGHT', 'PLANT', 'CHAIR', 'SMILE', 'TRAIN', 'BEACH', 'DREAM', 'FIELD', 'BOOK', 'TREE', 'DOOR', 'WIND',
  'FISH', 'MILK', 'RAIN', 'SAND', 'KING', 'JUMP', 'QUIET', 'ZEBRA', 'VOICE', 'WORLD', 'EXTRA', 'YOUNG',
];

/** A lettering style: how the same skeleton is drawn. Four styles, like four typefaces. */
interface LetterStyle {
  name: string;
  /** Stroke width as a fraction of the letter height. */
  weight: number;
  /** Letter width relative to the 4 x 6 grid (condensed < 1 < extended). */
  widthScale: number;
  /** Horizontal shear (italic). */
  slant: number;
  cap: 'round' | 'square' | 'butt';
  /** Short cross-bars at free stroke ends (a serif face). */
  serifs: boolean;
}

export const LETTER_STYLES: readonly LetterStyle[] = [
  { name: 'sans', weight: 0.09, widthScale: 1, slant: 0, cap: 'round', serifs: false },
  { name: 'bold', weight: 0.17, widthScale: 1.1, slant: 0, cap: 'square', serifs: false },
  { name: 'italic', weight: 0.1, widthScale: 0.95, slant: 0.25, cap: 'round', serifs: false },
  { name: 'serif', weight: 0.08, widthScale: 0.8, slant: 0, cap: 'butt', serifs: true },
];

/** SVG of one word on a plain light background, in a random style, size and position. */
export function wordSvg(size: number, rng: Rng): string {
  const word = WORDS[rng.int(WORDS.length)]!;
  const style = LETTER_STYLES[rng.int(LETTER_STYLES.length)]!;
  const advance = 4 * style.widthScale + 1.6; // grid units per letter, spacing included
  const totalUnits = advance * word.length - 1.6 + 6 * style.slant;
  const maxScale = (size * 0.86) / totalUnits;
  const scale = Math.min(maxScale, (size * 0.3) / 6) * (0.75 + 0.25 * rng.next());
  const textWidth = totalUnits * scale;
  const x0 = (size - textWidth) * rng.next();
  const y0 = size * 0.2 + (size * 0.6 - 6 * scale) * rng.next();
  const ink = Math.round(10 + 50 * rng.next());
  const paper = Math.round(200 + 50 * rng.next());
  const point = (letter: number, [gx, gy]: [number, number]): string => {
    const x = x0 + (letter * advance + gx * style.widthScale + (6 - gy) * style.slant) * scale;
    return `${x.toFixed(2)},${(y0 + gy * scale).toFixed(2)}`;
  };
  const paths: string[] = [];
  [...word].forEach((char, i) => {
    for (const stroke of STROKE_FONT[char] ?? []) {
      paths.push(`<polyline points="${stroke.map((p) => point(i, p)).join(' ')}"/>`);
      if (style.serifs) {
        for (const end of [stroke[0]!, stroke[stroke.length - 1]!]) {
          if (end[1] === 0 || end[1] === 6) paths.push(`<polyline points="${point(i, [end[0] - 0.6, end[1]])} ${point(i, [end[0] + 0.6, end[1]])}"/>`);
        }
      }
    }
  });
  const stroke = `stroke="rgb(${ink},${ink},${ink})" stroke-width="${(style.weight * 6 * scale).toFixed(2)}" stroke-linecap="${style.cap}" stroke-linejoin="${style.cap === 'round' ? 'round' : 'miter'}" fill="none"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" fill="rgb(${paper},${paper},${paper - 8})"/><g ${stroke}>${paths.join('')}</g></svg>`;
}
