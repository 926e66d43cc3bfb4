// Ablation on a constructed model whose output depends on a known set of units: logits = b + sum over
// S = {1, 5, 10} of tap_u * W_u, with tap = Relu(Round(255 * input) - 100) (integers, so every value and
// product below is exact in float32 and the hand computation must match to the bit). Also: an empty set
// reproduces the unrewritten model bit for bit, on this model and on the generated tiny ResNet.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { AblationSession, ImageBatches } from '../../../src-main/engine/ablation/ablation-session.ts';
import { insertAblation } from '../../../src-main/engine/ablation/graph-ablation.ts';
import { copyForRewrite, loadModel } from '../../../src-main/engine/inference/model-graph.ts';
import { GraphBuilder } from '../../../src-main/engine/onnx/builder.ts';
import { generate } from '../../../src-main/engine/onnx/generators/index.ts';
import { TINY_INPUT_SIZE } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import type { StimulusRef } from '../../../src-main/engine/pipeline-types.ts';

const S = [1, 5, 10];
const W: Record<number, number[]> = { 1: [0.5, -1, 0.25], 5: [2, 0.5, -0.5], 10: [-0.25, 1, 1] };
const B = [1, 2, 3];
const UNITS = 12;

function constructedModel() {
  const g = new GraphBuilder();
  g.input('input', ['N', 3, 2, 2]);
  const scaled = g.node('Mul', ['input', g.weight('c255', [], Float32Array.of(255))]);
  const ints = g.node('Round', [scaled]);
  const shifted = g.node('Sub', [ints, g.weight('c100', [], Float32Array.of(100))]);
  g.node('Relu', [shifted], {}, 'features');
  const flat = g.node('Flatten', ['features'], { axis: 1 });
  const w = new Float32Array(UNITS * 3);
  for (const u of S) w.set(W[u]!, u * 3);
  const mm = g.node('MatMul', [flat, g.weight('W', [UNITS, 3], w)]);
  g.node('Add', [mm, g.weight('b', [3], Float32Array.from(B))], {}, 'logits');
  g.output('logits', ['N', 3]);
  return g.model({ graphName: 'known_units', opset: 17 });
}

let dir: string;
let modelPath: string;
let images: StimulusRef[];
const pixels: number[][] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-ablation-'));
  modelPath = join(dir, 'known.onnx');
  writeFileSync(modelPath, encodeModel(constructedModel()));
  const rng = new SeededRandom(11);
  images = [];
  for (let i = 0; i < 5; i++) {
    const raw = Buffer.alloc(2 * 2 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = Math.floor(rng.uniform() * 256);
    // The tap is channel-major (c, y, x); the PNG is interleaved (y, x, c).
    const chw: number[] = [];
    for (let c = 0; c < 3; c++) for (let yx = 0; yx < 4; yx++) chw.push(raw[yx * 3 + c]!);
    pixels.push(chw);
    const file = join(dir, `img${i}.png`);
    await sharp(raw, { raw: { width: 2, height: 2, channels: 3 } }).png().toFile(file);
    images.push({ id: i + 1, path: file, category: i % 2 });
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** logits by hand, in float64 (exact here: integers times powers of two). */
function byHand(ablate: readonly number[], fill: ArrayLike<number>): number[][] {
  return pixels.map((px) => {
    const tap = px.map((v) => Math.max(0, v - 100));
    for (const u of ablate) tap[u] = fill[u]!;
    return B.map((b, j) => S.reduce((s, u) => s + tap[u]! * W[u]![j]!, b));
  });
}

const preprocessing = presetPreprocessing('none', [2, 2]);

async function open(path: string, tensor: string, size: [number, number]) {
  return AblationSession.open({ modelPath: path, preprocessing: presetPreprocessing('none', size), inputName: 'input', tensor, provider: 'cpu' });
}

describe('ablation of a known set of units', () => {
  it('changes the output exactly as computed by hand, and only through the units that matter', async () => {
    const session = await open(modelPath, 'features', [2, 2]);
    try {
      expect(session.units).toBe(UNITS);
      expect(session.unitDims).toEqual([3, 2, 2]);
      const batches = new ImageBatches(images, preprocessing, 2);
      const zero = new Float32Array(UNITS);
      const fill = Float32Array.from({ length: UNITS }, (_, u) => 3 + u * 0.5);
      const flat = (rows: number[][]) => Float32Array.from(rows.flat());

      const intact = await session.outputs(batches, [], zero);
      expect(intact.width).toBe(3);
      expect(Array.from(intact.data)).toEqual(Array.from(flat(byHand([], zero))));
      // Some images must actually use the units (not all below the Relu threshold).
      expect(Array.from(intact.data).some((v, i) => v !== B[i % 3])).toBe(true);

      const all = await session.outputs(batches, S, zero);
      expect(Array.from(all.data)).toEqual(images.flatMap(() => B));
      const meanFilled = await session.outputs(batches, S, fill);
      expect(Array.from(meanFilled.data)).toEqual(Array.from(flat(byHand(S, fill))));
      const one = await session.outputs(batches, [5], fill);
      expect(Array.from(one.data)).toEqual(Array.from(flat(byHand([5], fill))));

      const others = Array.from({ length: UNITS }, (_, u) => u).filter((u) => !S.includes(u));
      const untouched = await session.outputs(batches, others, fill);
      expect(Buffer.from(untouched.data.buffer).equals(Buffer.from(intact.data.buffer))).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('with an empty set reproduces the unrewritten model bit for bit', async () => {
    const cases: { path: string; tensor: string; size: [number, number]; images: StimulusRef[] }[] = [{ path: modelPath, tensor: 'features', size: [2, 2], images }];
    const tinyPath = join(dir, 'tiny.onnx');
    writeFileSync(tinyPath, encodeModel(generate('tiny', 3)));
    const tinyImages: StimulusRef[] = [];
    const rng = new SeededRandom(5);
    for (let i = 0; i < 3; i++) {
      const raw = Buffer.alloc(TINY_INPUT_SIZE * TINY_INPUT_SIZE * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = Math.floor(rng.uniform() * 256);
      const file = join(dir, `tiny${i}.png`);
      await sharp(raw, { raw: { width: TINY_INPUT_SIZE, height: TINY_INPUT_SIZE, channels: 3 } }).png().toFile(file);
      tinyImages.push({ id: i + 1, path: file, category: 0 });
    }
    for (const tensor of ['layer1.0', 'layer2.0', 'avgpool']) cases.push({ path: tinyPath, tensor, size: [TINY_INPUT_SIZE, TINY_INPUT_SIZE], images: tinyImages });

    for (const c of cases) {
      const pre = presetPreprocessing('none', c.size);
      const batches = new ImageBatches(c.images, pre, 2);
      const original = await ort.InferenceSession.create(encodeModel(loadModel(c.path).model), { graphOptimizationLevel: 'all' });
      const reference: number[] = [];
      for (let b = 0; b < batches.count; b++) {
        const [start, end] = batches.range(b);
        const out = await original.run({ input: new ort.Tensor('float32', await batches.pixels(b), [end - start, 3, ...c.size]) });
        reference.push(...(Object.values(out)[0]!.data as Float32Array));
      }
      await original.release();
      const session = await open(c.path, c.tensor, c.size);
      try {
        const out = await session.outputs(batches, [], new Float32Array(session.units).fill(123));
        expect(Buffer.from(out.data.buffer).equals(Buffer.from(Float32Array.from(reference).buffer)), `${c.path} ${c.tensor}`).toBe(true);
      } finally {
        await session.release();
      }
    }
  });

  it('leaves the original model untouched and refuses tensors no node produces', () => {
    const model = constructedModel();
    const copy = copyForRewrite(model);
    insertAblation(copy, 'features', [3, 2, 2]);
    expect(model.graph!.node!.some((n) => n.output!.includes('features'))).toBe(true);
    expect(model.graph!.node!.some((n) => n.opType === 'Where')).toBe(false);
    expect(copy.graph!.node!.findIndex((n) => n.opType === 'Where')).toBe(copy.graph!.node!.findIndex((n) => n.output!.includes('features/unitscope_intact')) + 1);
    expect(() => insertAblation(copyForRewrite(model), 'input', [3, 2, 2])).toThrow(/not produced by any node/);
  });
});
