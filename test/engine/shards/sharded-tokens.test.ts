// A sharded run of transformers: the shard plan carries each tap's whole shape (token layout, class
// tokens, a sequence-first batch axis), so two shards of a torchvision ViT and of OpenAI CLIP's ViT
// merge into the run a local one gives (same statistics to 1e-9, same masks).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { decodeModel, encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { mergePartials } from '../../../src-main/engine/shards/merge.ts';
import { runShard, sourceFromProject } from '../../../src-main/engine/shards/run-shard.ts';
import { readRunLayers } from '../../../src-main/engine/storage/run-inputs-store.ts';
import { tempDir } from '../inference/helpers.ts';
import { fillStrippedWeights } from '../onnx/fill-weights.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';
import { compareRuns } from './compare-runs.ts';

const MORE = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports-more');

function modelFile(dir: string, name: 'tiny_vit' | 'tiny_clip_vit'): string {
  if (name === 'tiny_clip_vit') return join(MORE, 'tiny_clip_vit_torch113.onnx');
  const model = decodeModel(readFileSync(join(MORE, 'tiny_vit_torch113.weightless.onnx')));
  fillStrippedWeights(model, 9);
  const file = join(dir, 'tiny_vit.onnx');
  writeFileSync(file, encodeModel(model));
  return file;
}

describe('sharded runs of token taps', () => {
  it.each(['tiny_vit', 'tiny_clip_vit'] as const)('%s: two shards merge into the local run', async (name) => {
    const dir = tempDir();
    const path = join(dir, 'p.unitscope');
    await makeTinyProject(path, 8, 4);
    const engine = new Engine();
    const client = connectInProcess(engine);
    try {
      await client.call('model.add', { path, file: modelFile(dir, name), name: 'vit', preset: 'custom', preprocessing: presetPreprocessing('none', [32, 32]) });
      const local = await client.call('run.start', { path, model: 'vit', recipe: { recipe: 'pairwise-t', alpha: 0.2 } });
      expect(local.status).toBe('finished');
    } finally {
      client.disconnect();
      engine.close();
    }
    const project = Project.open(path);
    try {
      const source = sourceFromProject(project, 'vit', undefined, { recipe: 'pairwise-t', alpha: 0.2 });
      const parts = [1, 2].map((i) => join(dir, `shard-${i}-of-2.partial`));
      for (const [i, file] of parts.entries()) await runShard(source, { index: i + 1, count: 2 }, file, { provider: 'cpu' });
      const merged = await mergePartials(project, parts);
      expect(readRunLayers(project.db, merged.run)).toEqual(readRunLayers(project.db, 1));
      const cmp = compareRuns(project, 1, merged.run);
      expect(cmp.countsEqual).toBe(true);
      expect(cmp.statsMaxRel).toBeLessThan(1e-9);
      expect(cmp.maskDiffs).toBe(0);
      expect(cmp.selectiveA).toBeGreaterThan(0);
    } finally {
      project.close();
    }
  }, 120_000);
});
