import type { Migration } from './index.ts';

// Taps that are not C x H x W: a transformer's tokens x dims (ViT: a class token, then a 14 x 14 patch
// grid) or a channels-last feature map. `layout` says how units map to (channel, position) and
// `extra_tokens` how many tokens precede the grid (pipeline-types.ts TapLayout). Existing rows are 'chw'.
export const m080TapLayout: Migration = {
  version: 80,
  name: 'tap layout',
  up(db) {
    for (const table of ['taps', 'run_layers']) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN layout TEXT NOT NULL DEFAULT 'chw' CHECK (layout IN ('chw', 'tokens'));`);
      db.exec(`ALTER TABLE ${table} ADD COLUMN extra_tokens INTEGER NOT NULL DEFAULT 0;`);
    }
  },
};
