import type { Migration } from './index.ts';

// Sequence-first taps: OpenAI CLIP's ViT keeps its tokens L x N x D inside the transformer, so the batch
// is on axis 1 of the tensors a block writes. `batch_axis` records that (pipeline-types.ts TapShape
// batchAxis); the extraction turns such a tensor batch-first in the graph. Existing rows are batch-first.
export const m130TapBatchAxis: Migration = {
  version: 130,
  name: 'tap batch axis',
  up(db) {
    for (const table of ['taps', 'run_layers']) db.exec(`ALTER TABLE ${table} ADD COLUMN batch_axis INTEGER NOT NULL DEFAULT 0 CHECK (batch_axis IN (0, 1));`);
  },
};
