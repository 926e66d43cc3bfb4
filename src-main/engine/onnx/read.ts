// Reading an ONNX file with one clear message per way it can be wrong (not ONNX, truncated, unsupported
// opset, missing external-data file, external data outside the model's folder). Everything here names
// the file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, win32 } from 'node:path';
import { EngineError, quoted } from '../errors.ts';
import { isInsideFolder } from '../owned-files.ts';
import { resolveLinks } from '../path-confinement.ts';
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
  externalDataFiles(model, file);
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

// The decoded messages carry every field of the schema; these are the ones that can hold tensors.
interface TensorHolder {
  t?: TensorProto;
  tensors?: TensorProto[];
  g?: GraphLike;
  graphs?: GraphLike[];
  sparseTensor?: SparseLike;
  sparseTensors?: SparseLike[];
}
interface SparseLike {
  values?: TensorProto;
  indices?: TensorProto;
}
interface GraphLike {
  initializer?: TensorProto[];
  sparseInitializer?: SparseLike[];
  node?: { attribute?: TensorHolder[] }[];
}

function* sparseTensors(sparse: SparseLike): Generator<TensorProto> {
  if (sparse.values) yield sparse.values;
  if (sparse.indices) yield sparse.indices;
}

function* nodeTensors(nodes: GraphLike['node']): Generator<TensorProto> {
  for (const node of nodes ?? []) {
    for (const a of node.attribute ?? []) {
      if (a.t) yield a.t;
      yield* a.tensors ?? [];
      if (a.sparseTensor) yield* sparseTensors(a.sparseTensor);
      for (const s of a.sparseTensors ?? []) yield* sparseTensors(s);
      if (a.g) yield* graphTensors(a.g);
      for (const g of a.graphs ?? []) yield* graphTensors(g);
    }
  }
}

function* graphTensors(graph: GraphLike): Generator<TensorProto> {
  yield* graph.initializer ?? [];
  for (const s of graph.sparseInitializer ?? []) yield* sparseTensors(s);
  yield* nodeTensors(graph.node);
}

/**
 * Every tensor of the model wherever it sits (initializers, sparse initializers, Constant attributes,
 * If/Loop subgraphs, functions), so none with external data is left for onnxruntime to open itself.
 */
function* everyTensor(model: ModelProto): Generator<TensorProto> {
  if (model.graph) yield* graphTensors(model.graph as GraphLike);
  for (const f of (model.functions ?? []) as { node?: GraphLike['node'] }[]) yield* nodeTensors(f.node);
}

/**
 * Where the external-data file `location` of the model `file` is. ONNX writes locations relative to the
 * model's folder, and a model is only ever read with its weights beside it: an absolute location, a
 * `..` step or a symlink leading out of that folder is refused, so a model someone sent cannot make
 * the engine read (and report as unit means) any other file.
 */
function externalDataPath(file: string, location: string): string {
  const refuse = (why: string) => new EngineError('bad_input', `${file}: external-data location ${quoted(location)} ${why}; keep the weights beside the model`, { file });
  if (location === '' || location.includes('\u0000')) throw refuse('is not a file name');
  if (isAbsolute(location) || win32.isAbsolute(location)) throw refuse('is an absolute path');
  if (location.split(/[\\/]/).includes('..')) throw refuse("steps out of the model's folder ('..')");
  const folder = dirname(resolve(file));
  const full = resolve(folder, location);
  if (!isInsideFolder(folder, full)) throw refuse("lies outside the model's folder");
  if (!isInsideFolder(resolveLinks(folder), resolveLinks(full))) throw refuse("leads outside the model's folder through a symbolic link");
  return full;
}

/** An external-data file a model names: where it is, and its path relative to the model's folder. */
export interface ExternalDataFile {
  path: string;
  relativePath: string;
}

/**
 * The external-data files of `model` (read from `file`), once each, every one checked to lie in the
 * model's folder and to exist: what has to travel with the .onnx when the model is copied.
 */
export function externalDataFiles(model: ModelProto, file: string): ExternalDataFile[] {
  const files = new Map<string, ExternalDataFile>();
  const seen = new Set<string>();
  for (const tensor of everyTensor(model)) {
    const location = externalLocation(tensor);
    if (location === undefined || seen.has(location)) continue;
    seen.add(location);
    const full = externalDataPath(file, location);
    // 'w.bin' and './w.bin' are one file: keyed by where it is.
    if (files.has(full)) continue;
    if (!existsSync(full)) {
      throw new EngineError('not_found', `${file}: its weights are stored in an external-data file '${location}' that is missing (expected at ${full}); keep the .onnx and its data file together`, { file });
    }
    if (!statSync(full).isFile()) throw new EngineError('bad_input', `${file}: external-data '${location}' is not a regular file`, { file });
    files.set(full, { path: full, relativePath: relative(dirname(resolve(file)), full) });
  }
  return [...files.values()];
}

function byteRange(entries: Map<string, string>, size: number, file: string, location: string, tensor: TensorProto): [number, number] {
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : size - offset;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new EngineError('bad_input', `${file}: external-data offset/length of tensor ${tensor.name} are not byte counts`, { file });
  }
  if (offset + length > size) {
    throw new EngineError('bad_input', `${file}: external-data file '${location}' is shorter than the weights it should hold (tensor ${tensor.name})`, { file });
  }
  return [offset, offset + length];
}

/** Copies external-data weights into the model so the rewritten graph can be handed to ORT as bytes. */
export function inlineExternalData(model: ModelProto, file: string): void {
  const cache = new Map<string, Buffer>();
  for (const tensor of everyTensor(model)) {
    const location = externalLocation(tensor);
    if (tensor.dataLocation === 1 && location === undefined) throw new EngineError('bad_input', `${file}: tensor ${tensor.name} has external data without a location`, { file });
    if (location === undefined) continue;
    const full = externalDataPath(file, location);
    let data = cache.get(full);
    if (!data) {
      if (!statSync(full).isFile()) throw new EngineError('bad_input', `${file}: external-data '${location}' is not a regular file`, { file });
      data = readFileSync(full);
      cache.set(full, data);
    }
    const [start, end] = byteRange(new Map((tensor.externalData ?? []).map((e) => [e.key, e.value])), data.length, file, location, tensor);
    tensor.rawData = data.subarray(start, end);
    tensor.dataLocation = 0;
    tensor.externalData = [];
  }
}
