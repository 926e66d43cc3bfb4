// A whole run on a vision transformer (a tiny torchvision ViT: 4 x 4 patch grid + class token, 16 dims):
// the layer is tokens x dims, a unit is (token, dim) at u = t*D + d, the channel metrics count dims and
// the spatial ones tokens, and every view of the results (channels, density, units, the inspector) agrees
// with that from the stored selective masks.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { decodeModel, encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { fillStrippedWeights } from '../onnx/fill-weights.ts';
import { tempDir } from '../inference/helpers.ts';
import { makeTinyProject } from './tiny-project.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports-more', 'tiny_vit_torch113.weightless.onnx');
const engine = new Engine();
const client = connectInProcess(engine);
afterAll(() => {
  client.disconnect();
  engine.close();
});

describe('a run on tokens x dims taps', () => {
  // alpha 0.2 on 10 images per category leaves selective units in both targets.
  it('counts channels over dims and positions over tokens, class token apart', async () => {
    const dir = tempDir();
    const path = join(dir, 'vit.unitscope');
    await makeTinyProject(path, 10, 3);
    const model = decodeModel(readFileSync(FIXTURE));
    fillStrippedWeights(model, 9);
    const modelPath = join(dir, 'tiny_vit.onnx');
    writeFileSync(modelPath, encodeModel(model));
    const added = await client.call('model.add', { path, file: modelPath, name: 'vit', preset: 'custom', preprocessing: presetPreprocessing('none', [32, 32]) });
    expect(added.taps.map((t) => [t.name, t.layout ?? 'chw', t.extraTokens ?? 0, t.channels, t.height, t.width, t.units])).toEqual([
      ['stem', 'tokens', 1, 16, 4, 4, 272],
      ['encoder.layers.encoder_layer_0', 'tokens', 1, 16, 4, 4, 272],
      ['encoder.layers.encoder_layer_1', 'tokens', 1, 16, 4, 4, 272],
      ['class_token', 'chw', 0, 16, 1, 1, 16],
    ]);
    const started = await client.call('run.start', { path, model: 'vit', recipe: { recipe: 'pairwise-t', alpha: 0.2 } });
    expect(started.status).toBe('finished');
    const run = started.run;
    const layer = 'encoder.layers.encoder_layer_1';
    let anySelective = false;
    for (const category of ['faces', 'scenes']) {
      const all = await client.call('results.units', { path, run, layer, category, sort: 'unit', limit: 1000 });
      expect(all.total).toBe(272);
      const selective = all.units.filter((u) => u.selective);
      anySelective ||= selective.length > 0;
      for (const u of all.units) {
        const token = Math.floor(u.unit / 16);
        expect(u.channel).toBe(u.unit % 16);
        expect([u.y, u.x]).toEqual(token === 0 ? [-1, -1] : [Math.floor((token - 1) / 4), (token - 1) % 4]);
      }
      const spatial = await client.call('results.spatial', { path, run, layer, category });
      expect([spatial.layout, spatial.extraTokens, spatial.height, spatial.width]).toEqual(['tokens', 1, 4, 4]);
      const density = new Array<number>(17).fill(0);
      for (const u of selective) density[Math.floor(u.unit / 16)]!++;
      expect(spatial.density).toEqual(density);
      // Spatial entropy is over the 4 x 4 patch grid: the class token is a position outside it.
      const grid = density.slice(1);
      const total = grid.reduce((x, y) => x + y, 0);
      const entropy = total === 0 ? null : -grid.reduce((h, n) => (n > 0 ? h + (n / total) * Math.log(n / total) : h), 0) / Math.log(16);
      if (entropy === null) expect(spatial.metrics.spatialEntropy).toBeNull();
      else expect(spatial.metrics.spatialEntropy).toBeCloseTo(entropy, 12);
      const channels = await client.call('results.channels', { path, run, layer, category });
      expect(channels.unitsPerChannel).toBe(17);
      for (const c of channels.channels) expect(c.selective).toBe(selective.filter((u) => u.unit % 16 === c.channel).length);
      // A channel's units are every 16th unit, in token order.
      const dims = await client.call('results.units', { path, run, layer, category, channels: [9, 3], sort: 'unit', limit: 100 });
      expect(dims.units.map((u) => u.unit)).toEqual([3, 9].flatMap((d) => Array.from({ length: 17 }, (_, t) => t * 16 + d)));
      // The selective units of chosen dims, in CSI order, are those of the whole layer with that dim.
      const chosen = await client.call('results.units', { path, run, layer, category, channels: [3], selectiveOnly: true, limit: 100 });
      expect(chosen.units.map((u) => u.unit).sort((x, y) => x - y)).toEqual(selective.filter((u) => u.unit % 16 === 3).map((u) => u.unit));
    }
    expect(anySelective).toBe(true);
    const unit = await client.call('results.unit', { path, run, layer, unit: 16 * 6 + 5 });
    expect([unit.channel, unit.y, unit.x]).toEqual([5, 1, 1]);
    expect(unit.results.map((r) => r.unit)).toEqual([101, 101]);

    // The results table counts every unit of a layer, the class token's too (272, not the grid's 256).
    const tableRows = async () => (await client.call('results.table', { path, run })).rows.filter((r) => r.layer === layer);
    const selectiveOf = async (category: string) => (await client.call('results.units', { path, run, layer, category, sort: 'unit', limit: 1000 })).units.filter((u) => u.selective).length;
    for (const row of await tableRows()) {
      expect([row.units, row.selective]).toEqual([272, await selectiveOf(row.category)]);
      expect(row.proportion).toBe(row.selective / 272);
    }
    // Runs stored before m140 had the grid's count in layer_results.units; the upgrade puts the true one back.
    engine.closeProject(path);
    const db = new Database(path);
    db.exec('UPDATE layer_results SET units = 256 WHERE position < 3; PRAGMA user_version = 130;');
    db.close();
    const upgraded = new Engine();
    const again = connectInProcess(upgraded);
    try {
      const rows = (await again.call('results.table', { path, run })).rows.filter((r) => r.layer !== 'class_token');
      expect(new Set(rows.map((r) => r.units))).toEqual(new Set([272]));
    } finally {
      again.disconnect();
      upgraded.close();
    }
  });
});
