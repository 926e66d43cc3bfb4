// Reading an ONNX file with one clear message per way it can be wrong (not ONNX, truncated, unsupported
// opset, missing external-data file). Everything here names the file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { EngineError } from '../errors.ts';
import { decodeModel, toNumber, type ModelProto, type TensorProto } from './proto.ts';

/** Default-domain opsets onnxruntime-node 1.30 can run (opset 7 is the oldest ORT still loads). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 23;

export function readModelFile(file: string): ModelProto {
  let bytes: Uint8Array;
  try {
    if (!statSync(file).isFile()) throw new EngineError('bad_input', `${file}: not a file`, { file });
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('not_found', `${file}: no such model file`, { file });
    throw new EngineError('io', `${file}: cannot read the model file (${(error as Error).message})`, { file });
  }
  const model = parseModelBytes(bytes, file);
  checkExternalData(model, file);
  return model;
}

export function parseModelBytes(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw new EngineError('bad_input', `${file}: the file is empty, not an ONNX model`, { file });
  // Every ONNX writer starts with field 1 (ir_version, a varint): tag byte 0x08. Anything else is not ONNX,
  // which tells "some other file" apart from "an ONNX file cut short".
  if (bytes[0] !== 0x08) throw new EngineError('bad_input', `${file}: not an ONNX model (it does not start like an ONNX protobuf file)`, { file });
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    const message = (error as Error).message;
    // protobufjs reports reading past the end of the buffer as "index out of range".
    if (/index out of range/i.test(message)) {
      throw new EngineError('bad_input', `${file}: the ONNX file is truncated or damaged (it ends in the middle of a record)`, { file, cause: error });
    }
    throw new EngineError('bad_input', `${file}: not an ONNX model (${message})`, { file, cause: error });
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0 || toNumber(model.irVersion) <= 0) {
    throw new EngineError('bad_input', `${file}: not an ONNX model (no graph with nodes and no IR version found)`, { file });
  }
  checkOpset(model, file);
  return model;
}

function checkOpset(model: ModelProto, file: string): void {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!entry) return;
  const version = toNumber(entry.version);
  if (version < MIN_OPSET || version > MAX_OPSET) {
    throw new EngineError('unsupported', `${file}: ONNX opset ${version} is not supported (this version runs opsets ${MIN_OPSET} to ${MAX_OPSET}); re-export the model with an opset in that range`, { file });
  }
}

export function externalLocation(tensor: TensorProto): string | undefined {
  if (tensor.dataLocation !== 1) return undefined;
  return (tensor.externalData ?? []).find((e) => e.key === 'location')?.value;
}

function checkExternalData(model: ModelProto, file: string): void {
  const seen = new Set<string>();
  for (const tensor of model.graph?.initializer ?? []) {
    const location = externalLocation(tensor);
    if (location === undefined || seen.has(location)) continue;
    seen.add(location);
    const full = isAbsolute(location) ? location : join(dirname(file), location);
    if (!existsSync(full)) {
      throw new EngineError('not_found', `${file}: its weights are stored in an external-data file '${location}' that is missing (expected at ${full}); keep the .onnx and its data file together`, { file });
    }
  }
}

/** Copies external-data weights into the model so the rewritten graph can be handed to ORT as bytes. */
export function inlineExternalData(model: ModelProto, file: string): void {
  const cache = new Map<string, Buffer>();
  for (const tensor of model.graph?.initializer ?? []) {
    const location = externalLocation(tensor);
    if (location === undefined) continue;
    const full = isAbsolute(location) ? location : join(dirname(file), location);
    let data = cache.get(full);
    if (!data) {
      data = readFileSync(full);
      cache.set(full, data);
    }
    const entries = new Map((tensor.externalData ?? []).map((e) => [e.key, e.value]));
    const offset = Number(entries.get('offset') ?? 0);
    const length = entries.has('length') ? Number(entries.get('length')) : data.length - offset;
    if (offset + length > data.length) {
      throw new EngineError('bad_input', `${file}: external-data file '${location}' is shorter than the weights it should hold (tensor ${tensor.name})`, { file });
    }
    tensor.rawData = data.subarray(offset, offset + length);
    tensor.dataLocation = 0;
    tensor.externalData = [];
  }
}
