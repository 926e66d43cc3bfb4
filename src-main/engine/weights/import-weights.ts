// A user's own weights file (safetensors, or a PyTorch .pth / .pt zip archive) -> an ONNX file of the
// app's builder for that architecture with those weights: names and shapes checked first, the ONNX
// written to FILE.part and renamed, so a failure never leaves a half-written model behind.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { WeightArchitecture, WeightsConversion } from '../../contract/models.ts';
import { EngineError } from '../errors.ts';
import { isZipFile } from '../file-signature.ts';
import { stateDictParameters } from '../onnx/generators/parameters.ts';
import { encodeModel } from '../onnx/proto.ts';
import { ARCHITECTURES } from './architectures.ts';
import { fitWeights } from './fit.ts';
import { parsePytorchArchive } from './pytorch-archive.ts';
import { parseSafetensors } from './safetensors.ts';
import type { StateDict } from './state-dict.ts';

/** Reads a weights file by its content: a zip is a PyTorch archive, anything else must be safetensors. */
export async function readWeights(file: string): Promise<{ dict: StateDict; sha256: string }> {
  if (!existsSync(file)) throw new EngineError('not_found', `${file}: no such weights file`, { file });
  const zip = await isZipFile(file);
  const buffer = await readFile(file);
  const sha256 = createHash('sha256').update(buffer).digest('hex');
  return { dict: zip ? parsePytorchArchive(file, buffer) : parseSafetensors(file, buffer), sha256 };
}

/** Writes `out` (which must not exist yet) as the architecture's ONNX graph with the file's weights. */
export async function convertWeights(file: string, arch: WeightArchitecture, out: string): Promise<WeightsConversion> {
  if (existsSync(out)) throw new EngineError('conflict', `${out} already exists; choose another output file`, { file: out });
  const { dict, sha256 } = await readWeights(file);
  const fitted = fitWeights(file, arch, dict);
  const model = ARCHITECTURES[arch].build(stateDictParameters(fitted.tensors), fitted.options, {
    'unitscope.generator': arch,
    'unitscope.weights': basename(file),
    'unitscope.weights_sha256': sha256,
  });
  const bytes = encodeModel(model);
  const part = `${out}.part`;
  try {
    await writeFile(part, bytes);
    await rename(part, out);
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
  return { file: out, bytes: bytes.length, arch, weightsSha256: sha256, tensors: fitted.tensors.size, ignored: fitted.ignored.length };
}
