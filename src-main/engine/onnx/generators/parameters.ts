// Where a built network's parameters come from. The untrained controls draw them from the seeded
// generator (the same seed gives the same file, so every `take` must happen in the order the generator
// has always drawn); imported weights (safetensors, .pth) hand over tensors by their PyTorch state-dict
// name. The builders ask for every parameter through this one interface, so the architecture's list of
// names and shapes is read off the builder itself (see recordParameters) instead of being restated.
import { SeededRandom } from '../random.ts';

export type Draw = (out: Float32Array, rng: SeededRandom) => void;

export interface ParameterSource {
  /** The values of the parameter PyTorch calls `key`, of `shape` (row-major, as in the state dict). */
  take(key: string, shape: readonly number[], draw: Draw): Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parameters drawn from the seeded generator, in call order. */
export function seededParameters(seed: number): ParameterSource {
  const rng = new SeededRandom(seed);
  return {
    take(_key, shape, draw) {
      const out = new Float32Array(elementCount(shape));
      draw(out, rng);
      return out;
    },
  };
}

/** Parameters taken from a state dict already checked against the architecture (names and shapes). */
export function stateDictParameters(tensors: ReadonlyMap<string, Float32Array>): ParameterSource {
  return {
    take(key, shape) {
      const data = tensors.get(key);
      // The caller checked names and shapes first (weights/check.ts); reaching this is a programming error.
      if (!data || data.length !== elementCount(shape)) throw new Error(`parameter ${key} [${shape.join(', ')}] was not checked before building`);
      return data;
    },
  };
}

export interface ParameterSpec {
  key: string;
  shape: number[];
}

/**
 * Runs `build` with zero-valued parameters (views of one shared buffer, so nothing large is allocated per
 * tensor) and returns every parameter it asked for, in order.
 */
export function recordParameters(build: (source: ParameterSource) => void): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  let shared = new ArrayBuffer(0);
  build({
    take(key, shape) {
      const count = elementCount(shape);
      if (shared.byteLength < count * 4) shared = new ArrayBuffer(count * 4);
      specs.push({ key, shape: [...shape] });
      return new Float32Array(shared, 0, count);
    },
  });
  return specs;
}
