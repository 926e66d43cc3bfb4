// The torch-export fixtures ship without weights (float initializers of 64+ elements are emptied). This
// fills them with seeded random values of sensible scale (running variances positive) so the graphs run.
import { DataType, toNumber, type ModelProto } from '../../../src-main/engine/onnx/proto.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';

export function fillStrippedWeights(model: ModelProto, seed = 5): number {
  const rng = new SeededRandom(seed);
  let filled = 0;
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== DataType.FLOAT) continue;
    const dims = (t.dims ?? []).map(toNumber);
    const count = dims.reduce((a, b) => a * b, 1);
    const hasData = (t.rawData?.length ?? 0) > 0 || (t.floatData?.length ?? 0) > 0;
    if (hasData || count === 0) continue;
    const data = new Float32Array(count);
    const name = t.name ?? '';
    if (/running_var|\.var$/.test(name)) rng.fillUniform(data, 0.5, 1.5);
    else if (/running_mean/.test(name)) rng.fillNormal(data, 0.05);
    else if (dims.length === 4) rng.fillNormal(data, Math.sqrt(2 / (dims[1]! * dims[2]! * dims[3]!)));
    else if (dims.length === 2) rng.fillNormal(data, 1 / Math.sqrt(dims[1]!));
    else if (/weight/.test(name) && dims.length === 1) rng.fillUniform(data, 0.5, 1.0);
    else rng.fillNormal(data, 0.01);
    t.rawData = new Uint8Array(data.buffer);
    t.floatData = [];
    filled++;
  }
  return filled;
}
