// Checks a state dict against an architecture before anything is built: every expected tensor present
// with its shape, nothing unexpected. One error lists all three kinds of problem by name, so a user sees
// at once whether they picked the wrong architecture, a truncated file or a different variant.
import type { WeightArchitecture } from '../../contract/models.ts';
import { EngineError } from '../errors.ts';
import { ARCHITECTURES, architectureParameters, type ArchitectureOptions } from './architectures.ts';
import type { LoadedTensor, StateDict } from './state-dict.ts';

export interface FittedWeights {
  /** State-dict name (prefixes stripped) -> float32 values, exactly the architecture's parameters. */
  tensors: Map<string, Float32Array>;
  options: ArchitectureOptions;
  /** Tensors present in the file that this network does not use (CLIP's text tower, BN counters). */
  ignored: string[];
}

const LISTED = 8;

function listed(names: string[]): string {
  const head = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${head} and ${names.length - LISTED} more` : head;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Strips `module.` (DataParallel) and, for a tower of a bigger model, the tower's prefix; the rest is ignored. */
function normalize(dict: StateDict, towerPrefix: string | null): { tensors: Map<string, LoadedTensor>; ignored: string[] } {
  let entries = [...dict.entries()];
  const ignored: string[] = [];
  if (entries.length > 0 && entries.every(([k]) => k.startsWith('module.'))) entries = entries.map(([k, v]) => [k.slice('module.'.length), v]);
  if (towerPrefix && entries.some(([k]) => k.startsWith(towerPrefix))) {
    for (const [k] of entries) if (!k.startsWith(towerPrefix)) ignored.push(k);
    entries = entries.filter(([k]) => k.startsWith(towerPrefix)).map(([k, v]) => [k.slice(towerPrefix.length), v]);
  }
  const tensors = new Map<string, LoadedTensor>();
  for (const [k, v] of entries) {
    if (k.endsWith('.num_batches_tracked')) ignored.push(k);
    else tensors.set(k, v);
  }
  return { tensors, ignored };
}

export function fitWeights(file: string, arch: WeightArchitecture, dict: StateDict): FittedWeights {
  const architecture = ARCHITECTURES[arch];
  const { tensors, ignored } = normalize(dict, architecture.towerPrefix);
  const fc = tensors.get('fc.weight');
  const options: ArchitectureOptions = arch === 'resnet50' && fc?.shape.length === 2 && fc.shape[1] === 2048 ? { classes: fc.shape[0]! } : {};
  const expected = architectureParameters(arch, options);
  const missing: string[] = [];
  const misshaped: string[] = [];
  const fitted = new Map<string, Float32Array>();
  for (const spec of expected) {
    const found = tensors.get(spec.key);
    if (!found) {
      missing.push(spec.key);
    } else if (found.shape.length !== spec.shape.length || found.shape.some((d, i) => d !== spec.shape[i])) {
      misshaped.push(`${spec.key} is ${shapeText(found.shape)}, expected ${shapeText(spec.shape)}`);
    } else if (!found.values) {
      misshaped.push(`${spec.key} is ${found.dtype}, expected a float tensor`);
    } else {
      fitted.set(spec.key, found.values);
    }
  }
  const known = new Set(expected.map((s) => s.key));
  const unexpected = [...tensors.keys()].filter((k) => !known.has(k));
  if (missing.length + unexpected.length + misshaped.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.length}: ${listed(missing)}` : '',
      unexpected.length > 0 ? `unexpected ${unexpected.length}: ${listed(unexpected)}` : '',
      misshaped.length > 0 ? `wrong shape ${misshaped.length}: ${listed(misshaped)}` : '',
    ].filter(Boolean);
    throw new EngineError('bad_input', `${file}: these weights do not fit ${arch} (${architecture.naming}); ${parts.join('; ')}`, { file });
  }
  return { tensors: fitted, options, ignored };
}
