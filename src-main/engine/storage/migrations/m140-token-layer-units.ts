import type { Migration } from './index.ts';

// layer_results.units of a tokens layer with class tokens counted only the patch grid (C x H x W, not
// C x (extra + H x W)), so the results table's units and proportion were off for every ViT run (ViT-B/32:
// 37,632 of 38,400 units, proportions 2 % too high). The true count is the run's own tap shape. The
// metrics JSON (under its checksum) always had it right; only this column is rewritten.
export const m140TokenLayerUnits: Migration = {
  version: 140,
  name: 'token layer units',
  up(db) {
    db.exec(`
      UPDATE layer_results SET units = (
        SELECT l.channels * (l.height * l.width + l.extra_tokens) FROM run_layers l
        WHERE l.run_id = layer_results.run_id AND l.position = layer_results.position
      )
      WHERE EXISTS (
        SELECT 1 FROM run_layers l
        WHERE l.run_id = layer_results.run_id AND l.position = layer_results.position AND l.layout = 'tokens' AND l.extra_tokens > 0
      );
    `);
  },
};
