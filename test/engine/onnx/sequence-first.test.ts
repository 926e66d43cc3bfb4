// Sequence-first transformers: OpenAI CLIP's ViT keeps its tokens L x N x D inside the transformer. A tiny
// export of it with its weights (test/fixtures/torch-exports-more/export_clip_vit.py, Debian's torch 1.13)
// is tapped automatically, and what the rewritten graph reads for each block equals what PyTorch computed
// for 3 images in one batch, permuted to N x L x D (tiny_clip_vit_reference.*). Ablation broadcasts its
// mask over the batch of such a tensor, and a whole run and an ablation work through the contract.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { insertAblation } from '../../../src-main/engine/ablation/graph-ablation.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { createResponseGatherer } from '../../../src-main/engine/inference/gather.ts';
import { copyForRewrite, loadModel, probeUnitDims, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { preprocessFile } from '../../../src-main/engine/inference/preprocess.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { batchFirstTensors, exposeTensors, exposeTensorsInOrder } from '../../../src-main/engine/onnx/rewrite.ts';
import { tapUnits } from '../../../src-main/engine/pipeline-types.ts';
import { tempDir, worstOfLargest, writeImages } from '../inference/helpers.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports-more');
const MODEL = join(FIXTURES, 'tiny_clip_vit_torch113.onnx');
const L = 17; // class token + 4 x 4 patches
const D = 16;
const IMAGES = 3;

interface Reference {
  inputs: number[];
  blocks: number[][];
  embedding: number[];
}

function reference() {
  const meta = JSON.parse(readFileSync(join(FIXTURES, 'tiny_clip_vit_reference.json'), 'utf8')) as Reference;
  const all = new Float32Array(new Uint8Array(readFileSync(join(FIXTURES, 'tiny_clip_vit_reference.f32'))).buffer);
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  let at = 0;
  const take = (dims: number[]) => all.subarray(at, (at += size(dims)));
  return { inputs: take(meta.inputs), blocks: meta.blocks.map(take), embedding: take(meta.embedding) };
}

const engine = new Engine();
const client = connectInProcess(engine);
afterAll(() => {
  client.disconnect();
  engine.close();
});

describe('a sequence-first transformer (OpenAI CLIP ViT)', () => {
  it('auto-taps the stem and each resblock as tokens x dims, batch on axis 1', async () => {
    const taps = await resolveTaps(loadModel(MODEL), 'auto');
    expect(taps.map((t) => [t.name, t.layout, t.extraTokens, t.channels, t.height, t.width, t.batchAxis])).toEqual([
      ['stem', 'tokens', 1, D, 4, 4, 1],
      ['transformer.resblocks.0', 'tokens', 1, D, 4, 4, 1],
      ['transformer.resblocks.1', 'tokens', 1, D, 4, 4, 1],
      ['class_token', undefined, undefined, D, 1, 1, undefined],
    ]);
    // A sequence-first tensor that is no candidate, named by hand (a block's first layer norm), too.
    const ln1 = '/transformer/resblocks/resblocks.0/ln_1/Cast_1_output_0';
    const [byHand] = await resolveTaps(loadModel(MODEL), [ln1]);
    expect(byHand).toEqual({ name: ln1, tensor: ln1, layout: 'tokens', extraTokens: 1, channels: D, height: 4, width: 4, batchAxis: 1 });
  });

  it('reads each block batch-first, equal to PyTorch permuted to N x L x D', async () => {
    const ref = reference();
    const loaded = loadModel(MODEL);
    const blocks = (await resolveTaps(loaded, 'auto')).filter((t) => t.name.startsWith('transformer.'));
    const model = copyForRewrite(loaded.model);
    const outputs = exposeTensorsInOrder(model, batchFirstTensors(model, blocks));
    const session = await ort.InferenceSession.create(encodeModel(model));
    try {
      const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(ref.inputs), [IMAGES, 3, 32, 32]) });
      blocks.forEach((tap, b) => {
        const got = out[outputs[b]!]!;
        expect(got.dims).toEqual([IMAGES, L, D]);
        expect(tapUnits(tap)).toBe(L * D);
        expect(worstOfLargest(got.data as Float32Array, ref.blocks[b]!), tap.name).toBeLessThan(1e-5);
      });
    } finally {
      await session.release();
    }
  });

  it('gathers per-image responses of a block batch-first, several images per batch', async () => {
    const dir = tempDir();
    const images = await writeImages(dir, [3, 2], 5);
    const preprocessing = presetPreprocessing('clip', [32, 32]);
    const loaded = loadModel(MODEL, [32, 32]);
    const taps = await resolveTaps(loaded, 'auto');
    const gatherer = await createResponseGatherer({ modelPath: MODEL, preprocessing, inputName: 'input', taps, images, provider: 'cpu' });
    const units = Int32Array.from([0, 5 * D + 3, L * D - 1, 16]);
    const got = await gatherer.gather('transformer.resblocks.1', units);
    await gatherer.close();
    // By hand: all five images in one batch, the L x N x D tensor read at [t, i, d].
    const model = copyForRewrite(loaded.model);
    const tensor = taps.find((t) => t.name === 'transformer.resblocks.1')!.tensor;
    exposeTensors(model, [tensor]);
    const session = await ort.InferenceSession.create(encodeModel(model));
    const plane = 3 * 32 * 32;
    const data = new Float32Array(images.length * plane);
    for (let i = 0; i < images.length; i++) await preprocessFile(images[i]!.path, preprocessing, data, i * plane);
    const values = (await session.run({ input: new ort.Tensor('float32', data, [images.length, 3, 32, 32]) }))[tensor]!.data as Float32Array;
    await session.release();
    for (let i = 0; i < images.length; i++) {
      units.forEach((u, j) => expect(got[i * units.length + j]).toBeCloseTo(values[(Math.floor(u / D) * images.length + i) * D + (u % D)]!, 5));
    }
  });

  it('ablates unit (token t, dim d) of every image of a batch with an L x 1 x D mask', async () => {
    const ref = reference();
    const loaded = loadModel(MODEL);
    const tap = (await resolveTaps(loaded, 'auto')).find((t) => t.name === 'transformer.resblocks.0')!;
    const dims = await probeUnitDims(loaded, tap.tensor);
    expect(dims).toEqual([L, 1, D]);
    const model = copyForRewrite(loaded.model);
    const names = insertAblation(model, tap.tensor, dims);
    exposeTensors(model, [tap.tensor]);
    const session = await ort.InferenceSession.create(encodeModel(model));
    const unit = 5 * D + 3; // token 5, dim 3
    const mask = new Uint8Array(L * D);
    mask[unit] = 1;
    const fill = new Float32Array(L * D).fill(-7);
    try {
      const out = await session.run({
        input: new ort.Tensor('float32', Float32Array.from(ref.inputs), [IMAGES, 3, 32, 32]),
        [names.mask]: new ort.Tensor('bool', mask, dims),
        [names.fill]: new ort.Tensor('float32', fill, dims),
      });
      const values = out[tap.tensor]!.data as Float32Array; // L x N x D
      for (let t = 0; t < L; t++) {
        for (let i = 0; i < IMAGES; i++) {
          for (let d = 0; d < D; d++) {
            const v = values[(t * IMAGES + i) * D + d]!;
            const intact = ref.blocks[0]![(i * L + t) * D + d]!;
            if (t * D + d === unit) expect(v).toBe(-7);
            else expect(Math.abs(v - intact)).toBeLessThan(1e-4);
          }
        }
      }
    } finally {
      await session.release();
    }
  });

  it('runs, stores the taps as sequence-first, and ablates a block through the contract', async () => {
    const dir = tempDir();
    const path = join(dir, 'clip-vit.unitscope');
    await makeTinyProject(path, 10, 3);
    const added = await client.call('model.add', { path, file: MODEL, name: 'clip-vit', preset: 'custom', preprocessing: presetPreprocessing('clip', [32, 32]) });
    expect(added.taps.filter((t) => t.batchAxis === 1).map((t) => t.name)).toEqual(['stem', 'transformer.resblocks.0', 'transformer.resblocks.1']);
    const listed = (await client.call('model.list', { path })).find((m) => m.name === 'clip-vit')!;
    expect(listed.taps.map((t) => t.batchAxis)).toEqual([1, 1, 1, undefined]);
    const started = await client.call('run.start', { path, model: 'clip-vit', recipe: { recipe: 'pairwise-t', alpha: 0.2 } });
    expect(started.status).toBe('finished');
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT name, batch_axis FROM run_layers WHERE run_id = ? ORDER BY position').all(started.run)).toEqual([
        { name: 'stem', batch_axis: 1 },
        { name: 'transformer.resblocks.0', batch_axis: 1 },
        { name: 'transformer.resblocks.1', batch_axis: 1 },
        { name: 'class_token', batch_axis: 0 },
      ]);
    } finally {
      db.close();
    }
    const layer = 'transformer.resblocks.1';
    const units = await client.call('results.units', { path, run: started.run, layer, category: 'faces', sort: 'unit', limit: 1000 });
    expect(units.total).toBe(L * D);
    expect(units.units.map((u) => u.channel)).toEqual(Array.from({ length: L * D }, (_, u) => u % D));
    const ablation = await client.call('analysis.ablate', { path, run: started.run, layer, category: 'faces', controls: 2, output: 'embedding' });
    expect(ablation.layerUnits).toBe(L * D);
    expect(ablation.measures.length).toBeGreaterThan(0);
  }, 120_000);
});
