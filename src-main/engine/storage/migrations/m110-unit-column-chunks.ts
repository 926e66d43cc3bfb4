import type { Migration } from './index.ts';

// From here on a run's unit-order columns are stored in chunks of UNITS_PER_COLUMN_CHUNK units
// (unit-results-store.ts, name@000042) instead of one BLOB per column, so the schema version tells an
// older Unitscope that it cannot read them. Runs stored before keep their single BLOBs (both are read).
// d' to the second category and the mean pairwise t per unit are no longer stored (nothing read them):
// their BLOBs in existing projects are removed, 8 of the 101 bytes each unit result took in them.
export const m110UnitColumnChunks: Migration = {
  version: 110,
  name: 'unit-column-chunks',
  up(db) {
    db.exec("DELETE FROM unit_columns WHERE name IN ('dprime_second', 'mean_pair_t')");
  },
};
