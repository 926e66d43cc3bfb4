// exposeTensorsInOrder: the taps come out unchanged under their own names, each through a copy appended
// latest-tap first (so ORT's default order runs it right after its block), and nodes no tap needs are gone.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { copyForRewrite, loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { exposeTensors, exposeTensorsInOrder } from '../../../src-main/engine/onnx/rewrite.ts';
import { tempDir, writeModel } from '../inference/helpers.ts';

describe('exposeTensorsInOrder', () => {
  it('returns the same values as exposing the tensors directly, with the nodes past the last tap pruned', async () => {
    const loaded = loadModel(writeModel(tempDir(), 'tiny', 2), [64, 64]);
    const taps = (await resolveTaps(loaded, 'auto')).filter((t) => t.name === 'stem' || t.name === 'layer2.0');
    const direct = copyForRewrite(loaded.model);
    exposeTensors(direct, taps.map((t) => t.tensor));
    const ordered = copyForRewrite(loaded.model);
    const names = exposeTensorsInOrder(ordered, taps.map((t) => t.tensor));

    const nodes = ordered.graph!.node!;
    const producers = new Map(nodes.flatMap((n, i) => (n.output ?? []).map((o) => [o, i] as const)));
    // Every node left feeds a tap; the layers after layer2.0 (and the head) are gone.
    expect(nodes.length).toBeLessThan(loaded.model.graph!.node!.length);
    expect(nodes.some((n) => n.output?.includes(taps[1]!.tensor))).toBe(true);
    expect(ordered.graph!.output!.map((o) => o.name)).toEqual(names);
    // The copies are the last nodes, the earliest tap's last (the highest index).
    const copies = nodes.slice(-2);
    expect(copies.map((n) => n.opType)).toEqual(['Identity', 'Identity']);
    expect(copies.map((n) => n.input![0])).toEqual([taps[1]!.tensor, taps[0]!.tensor]);
    expect(producers.get(taps[0]!.tensor)!).toBeLessThan(producers.get(taps[1]!.tensor)!);

    const input = { [loaded.input.name]: new ort.Tensor('float32', new Float32Array(3 * 64 * 64).map((_, i) => Math.cos(i / 7)), [1, 3, 64, 64]) };
    const a = await ort.InferenceSession.create(encodeModel(direct));
    const b = await ort.InferenceSession.create(encodeModel(ordered));
    try {
      const [outA, outB] = [await a.run(input), await b.run(input)];
      taps.forEach((t, i) => {
        expect(outB[names[i]!]!.dims).toEqual(outA[t.tensor]!.dims);
        expect(Buffer.from((outB[names[i]!]!.data as Float32Array).buffer).equals(Buffer.from((outA[t.tensor]!.data as Float32Array).buffer))).toBe(true);
      });
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });

  it('prunes initializers that older exports also list as graph inputs, so none of them must be fed', async () => {
    const loaded = loadModel(writeModel(tempDir(), 'tiny', 3), [64, 64]);
    const taps = (await resolveTaps(loaded, 'auto')).filter((t) => t.name === 'layer1.0');
    const model = copyForRewrite(loaded.model);
    const g = model.graph!;
    // keep_initializers_as_inputs=True, as torch.onnx.export wrote by default before opset 9 / IR 4.
    g.input = [...g.input!, ...g.initializer!.map((t) => ({ name: t.name!, type: { tensorType: { elemType: t.dataType! } } }))];
    const names = exposeTensorsInOrder(model, taps.map((t) => t.tensor));
    expect(g.input!.length).toBeGreaterThan(1);
    expect(g.input!.every((i) => i.name === loaded.input.name || g.initializer!.some((t) => t.name === i.name))).toBe(true);
    const session = await ort.InferenceSession.create(encodeModel(model));
    try {
      const out = await session.run({ [loaded.input.name]: new ort.Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]) });
      expect(out[names[0]!]!.dims).toEqual([1, taps[0]!.channels, taps[0]!.height, taps[0]!.width]);
    } finally {
      await session.release();
    }
  });
});
