// The largest value SQLite stores: SQLITE_MAX_LENGTH bytes, 1,000,000,000 in this build (SQLite's default,
// better-sqlite3 does not change it); binding more fails ("The bound string, buffer, or bigint is too
// big"). The largest value a run stores for a tap is its statistics' mean or M2: K categories x units
// float64, category-major, in one BLOB (m040-results). Taps are checked against it before anything runs.
export const MAX_VALUE_BYTES = 1_000_000_000;

/** Bytes of a tap's largest stored value with `categories` categories. */
export function largestTapValueBytes(units: number, categories: number): number {
  return categories * units * 8;
}

/** The most units a tap can have and still be stored with `categories` categories. */
export function maxStorableTapUnits(categories: number): number {
  return Math.floor(MAX_VALUE_BYTES / (8 * categories));
}
