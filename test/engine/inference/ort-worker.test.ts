// The worker-thread session: same outputs as an in-process session, model errors worded the same way,
// and shared output slots that hold a run's outputs until `outputSlots` more runs have returned.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createWorkerSessionFactory, workerSessionFactory } from '../../../src-main/engine/inference/ort-worker.ts';
import { openSession, ortSessionFactory } from '../../../src-main/engine/inference/session.ts';
import { generateTiny } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';

const bytes = encodeModel(generateTiny(2));

function input(value: number): Record<string, ort.Tensor> {
  const data = new Float32Array(3 * 64 * 64).map((_, i) => Math.sin(i * value));
  return { input: new ort.Tensor('float32', data, [1, 3, 64, 64]) };
}

describe('worker-thread ORT session', () => {
  it('returns what an in-process session returns, transferred or in shared slots', async () => {
    const local = await ortSessionFactory(bytes, 'cpu');
    const transferred = await workerSessionFactory(bytes, 'cpu');
    const slotted = await createWorkerSessionFactory({ outputSlots: 2 })(bytes, 'cpu');
    try {
      expect(transferred.inputNames).toEqual(local.inputNames);
      expect(transferred.outputNames).toEqual(local.outputNames);
      const name = local.outputNames[0]!;
      const dims = (await local.run(input(1)))[name]!.dims;
      const expected = await Promise.all([1, 2, 3].map(async (v) => Float32Array.from((await local.run(input(v)))[name]!.data as Float32Array)));
      for (const [v, e] of expected.entries()) {
        const t = await transferred.run(input(v + 1));
        expect(Array.from(t[name]!.data as Float32Array)).toEqual(Array.from(e));
      }
      const r0 = (await slotted.run(input(1)))[name]!;
      const r1 = (await slotted.run(input(2)))[name]!;
      expect(r0.dims).toEqual(dims);
      expect(Array.from(r0.data as Float32Array)).toEqual(Array.from(expected[0]!));
      expect(Array.from(r1.data as Float32Array)).toEqual(Array.from(expected[1]!));
      // The third run reuses the first slot: r0's view now shows the third run's outputs.
      const r2 = (await slotted.run(input(3)))[name]!;
      expect(Array.from(r2.data as Float32Array)).toEqual(Array.from(expected[2]!));
      expect(Array.from(r0.data as Float32Array)).toEqual(Array.from(expected[2]!));
      expect(Array.from(r1.data as Float32Array)).toEqual(Array.from(expected[1]!));
    } finally {
      await Promise.all([local.release(), transferred.release(), slotted.release()]);
    }
  });

  it('allocates slots of known size when the session opens, and sends each slot buffer once', async () => {
    const local = await ortSessionFactory(bytes, 'cpu');
    const name = local.outputNames[0]!;
    const expected = await Promise.all([1, 2, 3].map(async (v) => Float32Array.from((await local.run(input(v)))[name]!.data as Float32Array)));
    const size = expected[0]!.byteLength;
    const slotted = await createWorkerSessionFactory({ outputSlots: 2, slotBytes: { [name]: size } })(bytes, 'cpu');
    try {
      expect(slotted.outputSlots).toBe(2);
      const runs = [];
      for (const v of [1, 2, 3]) runs.push((await slotted.run(input(v)))[name]!.data as Float32Array);
      expect(Array.from(runs[1]!)).toEqual(Array.from(expected[1]!));
      expect(Array.from(runs[2]!)).toEqual(Array.from(expected[2]!));
      // Run 3 used slot 0 again: the same shared buffer as run 1's view, now holding run 3's outputs.
      expect(runs[2]!.buffer).toBe(runs[0]!.buffer);
      expect(runs[0]!.buffer.byteLength).toBe(size);
    } finally {
      await Promise.all([local.release(), slotted.release()]);
    }
  });

  it('refuses a GPU provider whose files are missing exactly as the in-process factory does', async () => {
    // Without the precheck the worker would ask ORT, which prints native errors and fails in its own words.
    const outcome = (opening: Promise<{ release(): Promise<void> }>) =>
      opening.then(
        async (s) => (await s.release(), 'opened'),
        (error: Error) => error.message,
      );
    for (const provider of ['cuda', 'webgpu'] as const) {
      expect(await outcome(createWorkerSessionFactory()(bytes, provider))).toBe(await outcome(ortSessionFactory(bytes, provider)));
    }
  });

  it('reports a model the runtime refuses with the file named, and a released session refuses runs', async () => {
    await expect(openSession(new Uint8Array([1, 2, 3, 4]), 'cpu', 'broken.onnx', workerSessionFactory)).rejects.toThrow(/^broken\.onnx: onnxruntime cannot load the model/);
    const session = await workerSessionFactory(bytes, 'cpu');
    await session.release();
    await expect(session.run(input(1))).rejects.toThrow(/released/);
  });
});
