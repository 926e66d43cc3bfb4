import { migrateLegacyUnitResults } from '../unit-results-store.ts';
import type { Migration } from './index.ts';

// Unit results are stored once per unit (records in unit order in small chunks, plus int32 unit orders;
// unit-results-store.ts) instead of in columns and again in sorted records: 41 bytes per unit result and
// about 8 per selective one, from 101 and 88. Existing runs are rewritten here with the same values and
// orders (one layer and category in memory at a time); d' to the second category and the mean pairwise t,
// which nothing read, are dropped. Projects this step has rewritten need this version to be read.
export const m110UnitRecords: Migration = {
  version: 110,
  name: 'unit-records',
  up(db) {
    migrateLegacyUnitResults(db);
  },
};
