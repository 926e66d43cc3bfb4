// The largest value SQLite stores: SQLITE_MAX_LENGTH bytes, 1,000,000,000 in this build (SQLite's default,
// better-sqlite3 does not change it); binding more fails ("The bound string, buffer, or bigint is too
// big"). The largest value a run stores for a tap is its statistics' mean or M2: K categories x units
// float64, category-major, in one BLOB (m040-results). Taps are checked against it when a model is added
// and when a run is planned, so a run never finds out at its end.
import { EngineError } from '../errors.ts';
import { tapUnits, type TapShape } from '../pipeline-types.ts';

export const MAX_VALUE_BYTES = 1_000_000_000;

/** Bytes of a tap's largest stored value with `categories` categories. */
function largestTapValueBytes(units: number, categories: number): number {
  return categories * units * 8;
}

/** The most units a tap can have and still be stored with `categories` categories. */
function maxStorableTapUnits(categories: number): number {
  return Math.floor(MAX_VALUE_BYTES / (8 * categories));
}

/** Refuses taps whose statistics could not be stored with `categories` categories; `what` names the model file or model. */
export function checkTapsStorable(taps: readonly TapShape[], categories: number, what: string): void {
  for (const tap of taps) {
    const units = tapUnits(tap);
    const bytes = largestTapValueBytes(units, categories);
    if (bytes <= MAX_VALUE_BYTES) continue;
    throw new EngineError(
      'unsupported',
      `${what}: tap '${tap.name}' (${tap.channels} x ${tap.height} x ${tap.width} = ${units} units) is too large to store: with ${categories} categories its statistics take ${bytes} bytes, over SQLite's ${MAX_VALUE_BYTES} per value; a tap can have at most ${maxStorableTapUnits(categories)} units (tap a smaller tensor, or a smaller input size)`,
    );
  }
}
