// Bootstrap weights over images (docs/method.md#image-bootstrap): a Poisson(1) count per image and
// iteration, derived from (seed, the image's sha256, iteration) alone. Two runs over the same images
// therefore resample them identically (a paired bootstrap) without sharing any state, and a run's
// replicates can be computed once and compared with any other run's. The hash is 32-bit integer
// arithmetic only, so test/fixtures/compare/make_reference.py reproduces the weights bit for bit.

/** The murmur3 finalizer: a bijective mix of a 32-bit word. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The image's key: the first 64 bits of its sha256 (hex) as two 32-bit words. */
export function imageKey(sha256: string): [number, number] {
  if (!/^[0-9a-f]{16}/i.test(sha256)) throw new RangeError(`image bootstrap: '${sha256}' is not a sha256 (the run records one per image)`);
  return [Number.parseInt(sha256.slice(0, 8), 16) >>> 0, Number.parseInt(sha256.slice(8, 16), 16) >>> 0];
}

/** Uniform in (0, 1) for (seed, image key, iteration). */
export function imageUniform(seed: number, key: readonly [number, number], iteration: number): number {
  const h = mix32((seed >>> 0) ^ mix32(key[0] ^ mix32(key[1] ^ mix32((iteration >>> 0) ^ 0x9e3779b9))));
  return (h + 0.5) / 4294967296;
}

/** The Poisson(1) count whose CDF first reaches u (inverse CDF, accumulated as in the reference script). */
export function poissonOne(u: number): number {
  let k = 0;
  let term = Math.exp(-1);
  let cdf = term;
  while (u > cdf && k < 30) {
    k++;
    term /= k;
    cdf += term;
  }
  return k;
}

/** Weights of `iterations` resamples x the images (row-major: iteration b, image i at b * images + i). */
export function bootstrapWeights(seed: number, sha256s: readonly string[], iterations: number, firstIteration = 0): Float64Array {
  const keys = sha256s.map(imageKey);
  const n = keys.length;
  const w = new Float64Array(iterations * n);
  for (let b = 0; b < iterations; b++) for (let i = 0; i < n; i++) w[b * n + i] = poissonOne(imageUniform(seed, keys[i]!, firstIteration + b));
  return w;
}
