// immich publishes open_clip's preprocess_cfg.json beside each visual tower ({"size": [224, 224],
// "mean": [...], "std": [...], "interpolation": "bicubic", "resize_mode": "shortest", ...}). Its sha256 is
// not pinned (only the model's is), so it is checked by content instead: every field it states must agree
// with the preset the catalogue gives the model, or the download stops with the difference named.
import { presetPreprocessing, type Preprocessing } from '../../contract/preprocessing.ts';
import { EngineError } from '../errors.ts';

const TOLERANCE = 1e-6;

function sameTriple(a: unknown, b: readonly number[]): boolean {
  return Array.isArray(a) && a.length === 3 && a.every((v, i) => typeof v === 'number' && Math.abs(v - b[i]!) <= TOLERANCE);
}

/** Throws naming the first disagreement between the file and the preset; returns the settings it confirmed. */
export function checkPreprocessConfig(file: string, text: string, preset: 'imagenet' | 'clip'): Preprocessing {
  let cfg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    cfg = parsed as Record<string, unknown>;
  } catch (error) {
    throw new EngineError('bad_input', `${file}: not a preprocessing config (${(error as Error).message})`, { file });
  }
  const expected = presetPreprocessing(preset);
  const problems: string[] = [];
  const size = cfg.size;
  const sizes = typeof size === 'number' ? [size, size] : Array.isArray(size) ? size : null;
  if (sizes === null || sizes.length !== 2 || sizes[0] !== expected.inputSize[0] || sizes[1] !== expected.inputSize[1]) problems.push(`size ${JSON.stringify(size)} (preset: ${expected.inputSize.join('x')})`);
  if (!sameTriple(cfg.mean, expected.mean)) problems.push(`mean ${JSON.stringify(cfg.mean)} (preset: ${expected.mean.join(', ')})`);
  if (!sameTriple(cfg.std, expected.std)) problems.push(`std ${JSON.stringify(cfg.std)} (preset: ${expected.std.join(', ')})`);
  if (cfg.interpolation !== undefined && cfg.interpolation !== expected.interpolation) problems.push(`interpolation ${JSON.stringify(cfg.interpolation)} (preset: ${expected.interpolation})`);
  if (cfg.resize_mode !== undefined && cfg.resize_mode !== 'shortest') problems.push(`resize_mode ${JSON.stringify(cfg.resize_mode)} (preset: shorter side, then center crop)`);
  if (problems.length > 0) throw new EngineError('bad_input', `${file}: the published preprocessing differs from the ${preset} preset: ${problems.join('; ')}`, { file });
  return expected;
}
