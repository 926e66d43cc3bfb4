// The image bootstrap's products (weights x centered responses) in the runtime's own GEMM: a one-node
// float64 MatMul graph on the CPU provider. Measured on 2 loaded cores (load average ~10): 12 GFLOP/s in
// float64 against ~1 GFLOP/s for the same loop in JavaScript (docs/method.md#image-bootstrap).
import * as ort from 'onnxruntime-node';
import type { WeightedSums } from '../pipeline-types.ts';
import { GraphBuilder } from '../onnx/builder.ts';
import { DataType, encodeModel } from '../onnx/proto.ts';
import { sessionOptions } from './session.ts';

export interface ClosableWeightedSums extends WeightedSums {
  close(): Promise<void>;
}

function matMulModel(): Uint8Array {
  const g = new GraphBuilder();
  g.input('weights', ['rows', 'n'], DataType.DOUBLE);
  g.input('data', ['n', 'cols'], DataType.DOUBLE);
  g.node('MatMul', ['weights', 'data'], {}, 'sums');
  g.output('sums', ['rows', 'cols'], DataType.DOUBLE);
  return encodeModel(g.model({ graphName: 'bootstrap_sums' }));
}

/** `threads`: the GEMM's threads, all cores by default (a bootstrap worker takes one: one worker per core). */
export async function openWeightedSums(threads?: number): Promise<ClosableWeightedSums> {
  const options = sessionOptions('cpu');
  const session = await ort.InferenceSession.create(matMulModel(), threads === undefined ? options : { ...options, intraOpNumThreads: threads });
  return {
    async multiply(weights, rows, data, n, cols) {
      if (weights.length !== rows * n || data.length !== n * cols) throw new RangeError(`weighted sums: ${weights.length} weights for ${rows} x ${n}, ${data.length} values for ${n} x ${cols}`);
      const out = await session.run({ weights: new ort.Tensor('float64', weights, [rows, n]), data: new ort.Tensor('float64', data, [n, cols]) });
      return out.sums!.data as Float64Array;
    },
    close: () => session.release(),
  };
}
