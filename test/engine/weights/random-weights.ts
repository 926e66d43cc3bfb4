// Seeded random weights in PyTorch's naming for the architectures the app builds (names and shapes from
// the builders themselves), with scales that keep 16 residual blocks' activations of order one, and BN
// statistics that are not the identity (so eval-mode batch norm is really exercised).
import type { WeightArchitecture } from '../../../src-main/contract/models.ts';
import { elementCount } from '../../../src-main/engine/onnx/generators/parameters.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import { architectureParameters } from '../../../src-main/engine/weights/architectures.ts';
import type { TensorToWrite } from '../../../src-main/engine/weights/safetensors.ts';

export function randomStateDict(arch: WeightArchitecture, seed: number, prefix = ''): TensorToWrite[] {
  const rng = new SeededRandom(seed);
  return architectureParameters(arch).map(({ key, shape }) => {
    const data = new Float32Array(elementCount(shape));
    if (shape.length === 4) rng.fillNormal(data, Math.sqrt(1 / (shape[1]! * shape[2]! * shape[3]!)));
    else if (key.endsWith('running_var')) rng.fillUniform(data, 0.5, 1.5);
    else if (key.endsWith('running_mean')) rng.fillNormal(data, 0.1);
    else if (/bn3\.weight$|downsample\.[12]\.weight$/.test(key)) rng.fillUniform(data, 0.2, 0.5);
    else if (shape.length === 1 && key.endsWith('.weight')) rng.fillUniform(data, 0.6, 1.2);
    else if (key.endsWith('positional_embedding')) rng.fillNormal(data, 2048 ** -0.5);
    else if (shape.length === 2) rng.fillNormal(data, 1 / Math.sqrt(shape[1]!));
    else rng.fillNormal(data, 0.05); // biases
    return { name: `${prefix}${key}`, shape, data };
  });
}

/** `count` images already preprocessed (N x 3 x 224 x 224, roughly normalized values), seeded. */
export function randomInputs(count: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return rng.fillNormal(new Float32Array(count * 3 * 224 * 224), 1);
}

/** The 100 units of a block output (C x H x W flattened) whose values the reference keeps: evenly spaced. */
export function sampledUnits(units: number, count = 100): number[] {
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * units) / count));
}
