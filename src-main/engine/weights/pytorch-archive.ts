// PyTorch's zip checkpoints (torch.save since 1.6: ARCHIVE/data.pkl plus one raw file per storage under
// ARCHIVE/data/). data.pkl is a Python pickle, and unpickling normally runs whatever code the file names,
// so this reader never does: it interprets the opcodes a state dict needs, and a GLOBAL outside a short
// list of tensor-rebuilding names (collections.OrderedDict, torch._utils._rebuild_tensor_v2, the storage
// types) is refused with the name it asked for. Nothing from the file is ever called or evaluated.
// TorchScript archives (torch.jit.save, as OpenAI's CLIP .pt files) pickle the module tree instead: each
// `__torch__.*` class becomes an inert record of its attributes (never the class's code, which this reader
// does not load), and the tensors are read off that tree by attribute path (`visual.conv1.weight`).
import { unzipSync } from 'fflate';
import { EngineError } from '../errors.ts';
import { elementCount } from '../onnx/generators/parameters.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-formats.ts';
import type { StateDict } from './state-dict.ts';

/** torch storage type -> [safetensors-style dtype, bytes per element]. */
const STORAGE_TYPES: Readonly<Record<string, [string, number]>> = {
  FloatStorage: ['F32', 4],
  DoubleStorage: ['F64', 8],
  HalfStorage: ['F16', 2],
  BFloat16Storage: ['BF16', 2],
  LongStorage: ['I64', 8],
  IntStorage: ['I32', 4],
  ShortStorage: ['I16', 2],
  CharStorage: ['I8', 1],
  ByteStorage: ['U8', 1],
  BoolStorage: ['BOOL', 1],
};

const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
const REBUILD_PARAMETER_STATE = 'torch._utils._rebuild_parameter_with_state';
const REBUILD_FROM_TYPE = 'torch._tensor._rebuild_from_type_v2';
const ORDERED_DICT = 'collections.OrderedDict';
/** Classes that may only appear as markers (the type argument of _rebuild_from_type_v2). */
const TYPE_MARKERS = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);

const ALLOWED_GLOBALS = new Set([
  REBUILD_TENSOR,
  REBUILD_PARAMETER,
  REBUILD_PARAMETER_STATE,
  REBUILD_FROM_TYPE,
  ORDERED_DICT,
  ...TYPE_MARKERS,
  ...Object.keys(STORAGE_TYPES).map((t) => `torch.${t}`),
]);

interface GlobalRef {
  kind: 'global';
  name: string;
}
interface StorageRef {
  kind: 'storage';
  dtype: string;
  itemBytes: number;
  key: string;
}
interface TensorValue {
  kind: 'tensor';
  dtype: string;
  shape: number[];
  values: Float32Array | null;
}
/** A TorchScript module class (`__torch__.model.CLIP`): only a name; its code is never read. */
interface ScriptClassRef {
  kind: 'script-class';
  name: string;
}
/** An instance of one, as its attributes (submodules, parameters, buffers, flags) once BUILD gave them. */
interface ScriptObject {
  kind: 'script-object';
  attributes: Dict;
}
/** A Python dict: keys kept as strings or numbers; a Map so no key can touch an object prototype. */
type Dict = Map<string | number, Value>;
type Value = null | boolean | number | bigint | string | Uint8Array | Value[] | Dict | GlobalRef | StorageRef | TensorValue | ScriptClassRef | ScriptObject | { kind: 'tuple'; items: Value[] };

class Refused extends Error {}

const MAX_STACK = 1_000_000;
/** Larger than any single network the app builds, with room to spare. */
const MAX_INFLATED = 4 * 1024 ** 3;

function asTuple(v: Value): Value[] {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && v.kind === 'tuple') return v.items;
  throw new Refused('expected a tuple');
}

function isKind<K extends string>(v: Value, kind: K): v is Extract<Value, { kind: K }> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && (v as { kind?: string }).kind === kind;
}

function toInt(v: Value, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  throw new Refused(`${what} is not an integer`);
}

/** Values of a storage as float32, or null for integer storages. */
function decodeStorage(bytes: Uint8Array, dtype: string): Float32Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(bytes.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(bytes.byteLength / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16':
    case 'BF16': {
      const widen = dtype === 'F16' ? float16ToFloat32 : bfloat16ToFloat32;
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0; i < out.length; i++) out[i] = widen(view.getUint16(i * 2, true));
      return out;
    }
    default:
      return null;
  }
}

/** The elements of a (possibly strided) view into a storage, in row-major order. */
function gather(storage: Float32Array, offset: number, shape: number[], stride: number[]): Float32Array {
  const count = elementCount(shape);
  const out = new Float32Array(count);
  if (count === 0) return out;
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += index[d]! * stride[d]!;
    if (at < 0 || at >= storage.length) throw new Refused('a tensor reaches outside its storage');
    out[i] = storage[at]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

class Unpickler {
  private pos = 0;
  private stack: Value[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, Value>();
  private readonly storages = new Map<string, Float32Array | null>();

  constructor(
    private readonly data: Uint8Array,
    private readonly readRecord: (key: string) => Uint8Array | undefined,
  ) {}

  private byte(): number {
    if (this.pos >= this.data.length) throw new Refused('the pickle ends early');
    return this.data[this.pos++]!;
  }

  private bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.data.length) throw new Refused('the pickle ends early');
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private uint(n: number): number {
    const b = this.bytes(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i]!;
    return v;
  }

  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw new Refused('the pickle ends early');
    const text = new TextDecoder().decode(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private push(v: Value): void {
    if (this.stack.length >= MAX_STACK) throw new Refused('the pickle is nested too deeply');
    this.stack.push(v);
  }

  private pop(): Value {
    if (this.stack.length === 0) throw new Refused('the pickle pops an empty stack');
    return this.stack.pop()!;
  }

  private popMark(): Value[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw new Refused('the pickle has no mark to pop to');
    return this.stack.splice(mark);
  }

  private top(): Value {
    if (this.stack.length === 0) throw new Refused('the pickle reads an empty stack');
    return this.stack[this.stack.length - 1]!;
  }

  private global(module: string, name: string): GlobalRef | ScriptClassRef {
    const full = `${module}.${name}`;
    if (module === '__torch__' || module.startsWith('__torch__.')) return { kind: 'script-class', name: full };
    if (!ALLOWED_GLOBALS.has(full)) throw new Refused(`it asks for ${full}, which is not part of a tensor state dict (this reader never runs code from a file)`);
    return { kind: 'global', name: full };
  }

  private storage(pid: Value): StorageRef {
    const parts = asTuple(pid);
    if (parts[0] !== 'storage' || !isKind(parts[1]!, 'global') || typeof parts[2] !== 'string') throw new Refused('a persistent id is not a storage reference');
    const type = parts[1].name.replace(/^torch\./, '');
    const known = STORAGE_TYPES[type];
    if (!known) throw new Refused(`storage type ${parts[1].name} is not supported`);
    return { kind: 'storage', dtype: known[0], itemBytes: known[1], key: parts[2] };
  }

  private storageValues(ref: StorageRef): Float32Array | null {
    if (!this.storages.has(ref.key)) {
      const record = this.readRecord(ref.key);
      if (!record) throw new Refused(`storage ${ref.key} is missing from the archive`);
      if (record.byteLength % ref.itemBytes !== 0) throw new Refused(`storage ${ref.key} has ${record.byteLength} bytes, not a whole number of ${ref.dtype} values`);
      this.storages.set(ref.key, decodeStorage(record, ref.dtype));
    }
    return this.storages.get(ref.key)!;
  }

  private rebuildTensor(args: Value[]): TensorValue {
    const [storage, offset, size, stride] = args;
    if (!storage || !isKind(storage, 'storage')) throw new Refused('a tensor is not built from a storage');
    const shape = asTuple(size!).map((d) => toInt(d, 'a tensor size'));
    const strides = asTuple(stride!).map((d) => toInt(d, 'a tensor stride'));
    if (shape.length !== strides.length || shape.some((d) => d < 0)) throw new Refused('a tensor has a malformed shape');
    const values = this.storageValues(storage);
    return { kind: 'tensor', dtype: storage.dtype, shape, values: values ? gather(values, toInt(offset!, 'a storage offset'), shape, strides) : null };
  }

  /** REDUCE: only the allowed callables, each interpreted here. */
  private reduce(callable: Value, argsValue: Value): Value {
    if (!isKind(callable, 'global')) throw new Refused('it calls something that is not a known function');
    const args = asTuple(argsValue);
    switch (callable.name) {
      case ORDERED_DICT:
        if (args.length > 0) throw new Refused('OrderedDict is built with arguments');
        return new Map();
      case REBUILD_TENSOR:
        return this.rebuildTensor(args);
      case REBUILD_PARAMETER:
      case REBUILD_PARAMETER_STATE:
        if (!args[0] || !isKind(args[0], 'tensor')) throw new Refused('a parameter does not wrap a tensor');
        return args[0];
      case REBUILD_FROM_TYPE: {
        // _rebuild_from_type_v2(func, new_type, args, state): a tensor (sub)class rebuilt by func(*args).
        const [func, type, inner] = args;
        if (!type || !isKind(type, 'global') || !TYPE_MARKERS.has(type.name)) throw new Refused('a tensor of an unknown class');
        return this.reduce(func!, inner!);
      }
      default:
        throw new Refused(`${callable.name} is not callable here`);
    }
  }

  private setItems(target: Value, items: Value[]): void {
    if (!(target instanceof Map)) throw new Refused('items are set on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i]!;
      if (typeof key !== 'string' && typeof key !== 'number') throw new Refused('a dict key is not a string or number');
      target.set(key, items[i + 1]!);
    }
  }

  run(): Value {
    for (;;) {
      const op = this.byte();
      switch (op) {
        case 0x80: this.byte(); break; // PROTO
        case 0x95: this.bytes(8); break; // FRAME
        case 0x2e: return this.pop(); // STOP
        case 0x28: this.marks.push(this.stack.length); break; // MARK
        case 0x7d: this.push(new Map()); break; // EMPTY_DICT
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x29: this.push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4b: this.push(this.uint(1)); break; // BININT1
        case 0x4d: this.push(this.uint(2)); break; // BININT2
        case 0x4a: this.push(this.uint(4) | 0); break; // BININT
        case 0x8a: case 0x8b: { // LONG1, LONG4
          const b = this.bytes(op === 0x8a ? this.uint(1) : this.uint(4));
          let v = 0n;
          for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
          if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
          this.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
          break;
        }
        case 0x47: this.push(new DataView(this.bytes(8).slice().buffer).getFloat64(0, false)); break; // BINFLOAT
        case 0x58: this.push(new TextDecoder().decode(this.bytes(this.uint(4)))); break; // BINUNICODE
        case 0x8c: this.push(new TextDecoder().decode(this.bytes(this.uint(1)))); break; // SHORT_BINUNICODE
        case 0x8d: this.push(new TextDecoder().decode(this.bytes(this.uint(8)))); break; // BINUNICODE8
        case 0x55: this.push(new TextDecoder('latin1').decode(this.bytes(this.uint(1)))); break; // SHORT_BINSTRING
        case 0x54: this.push(new TextDecoder('latin1').decode(this.bytes(this.uint(4)))); break; // BINSTRING
        case 0x43: this.push(this.bytes(this.uint(1)).slice()); break; // SHORT_BINBYTES
        case 0x42: this.push(this.bytes(this.uint(4)).slice()); break; // BINBYTES
        case 0x71: this.memo.set(this.uint(1), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.uint(4), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x68: case 0x6a: { // BINGET, LONG_BINGET
          const key = this.uint(op === 0x68 ? 1 : 4);
          if (!this.memo.has(key)) throw new Refused(`memo ${key} was never stored`);
          this.push(this.memo.get(key)!);
          break;
        }
        case 0x30: this.pop(); break; // POP
        case 0x74: this.push({ kind: 'tuple', items: this.popMark() }); break; // TUPLE
        case 0x85: this.push({ kind: 'tuple', items: [this.pop()] }); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push({ kind: 'tuple', items: [a, b] }); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push({ kind: 'tuple', items: [a, b, c] }); break; } // TUPLE3
        case 0x6c: this.push(this.popMark()); break; // LIST
        case 0x64: { const d: Dict = new Map(); this.setItems(d, this.popMark()); this.push(d); break; } // DICT
        case 0x61: { const v = this.pop(); const list = this.top(); if (!Array.isArray(list)) throw new Refused('APPEND to a non-list'); list.push(v); break; } // APPEND
        case 0x65: { const items = this.popMark(); const list = this.top(); if (!Array.isArray(list)) throw new Refused('APPENDS to a non-list'); list.push(...items); break; } // APPENDS
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); break; } // SETITEMS
        case 0x63: { const module = this.line(); const name = this.line(); this.push(this.global(module, name)); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw new Refused('STACK_GLOBAL without names');
          this.push(this.global(module, name));
          break;
        }
        case 0x51: this.push(this.storage(this.pop())); break; // BINPERSID
        case 0x52: { const args = this.pop(); const callable = this.pop(); this.push(this.reduce(callable, args)); break; } // REDUCE
        case 0x81: { // NEWOBJ: only a TorchScript module, made empty (its attributes come with BUILD)
          const args = asTuple(this.pop());
          const cls = this.pop();
          if (!isKind(cls, 'script-class') || args.length > 0) throw new Refused('it makes an object that is not a TorchScript module');
          this.push({ kind: 'script-object', attributes: new Map() });
          break;
        }
        case 0x62: { // BUILD: a module's attributes; on a state dict its `_metadata` (per-module versions), dropped
          const state = this.pop();
          const target = this.top();
          if (isKind(target, 'script-object')) {
            if (!(state instanceof Map)) throw new Refused("a TorchScript module's state is not a dict");
            target.attributes = state;
          } else if (!(target instanceof Map)) {
            throw new Refused('BUILD on something that is not a dict');
          }
          break;
        }
        default:
          throw new Refused(`opcode 0x${op.toString(16).padStart(2, '0')} is not used by tensor state dicts`);
      }
    }
  }
}

/** A TorchScript module tree's tensors by attribute path, as its state_dict() names them. */
function scriptTensors(object: ScriptObject, prefix: string, out: Map<string, TensorValue>, depth: number): void {
  if (depth > 64) throw new Refused('the module tree is nested too deeply');
  for (const [key, value] of object.attributes) {
    if (isKind(value, 'tensor')) out.set(`${prefix}${key}`, value);
    else if (isKind(value, 'script-object')) scriptTensors(value, `${prefix}${key}.`, out, depth + 1);
  }
}

/** The tensors of a checkpoint: a state dict itself, or one under `state_dict` / `model` / `state_dict_ema`, or a TorchScript module's. */
function tensorsOf(root: Value): Map<string, TensorValue> | null {
  if (isKind(root, 'script-object')) {
    const tensors = new Map<string, TensorValue>();
    scriptTensors(root, '', tensors, 0);
    return tensors.size > 0 ? tensors : null;
  }
  if (!(root instanceof Map)) return null;
  const tensors = new Map<string, TensorValue>();
  for (const [k, v] of root) if (typeof k === 'string' && isKind(v, 'tensor')) tensors.set(k, v);
  if (tensors.size > 0) return tensors;
  for (const key of ['state_dict', 'model', 'model_state_dict', 'module']) {
    const inner = tensorsOf(root.get(key) ?? null);
    if (inner) return inner;
  }
  return null;
}

export function parsePytorchArchive(file: string, buffer: Uint8Array): StateDict {
  let records: Record<string, Uint8Array>;
  try {
    // Only the records a checkpoint has, and none that inflates far beyond its stored size (a zip bomb).
    let inflated = 0;
    records = unzipSync(buffer, {
      filter: (entry) => {
        if (!/^[^/]+\/(data\.pkl|byteorder|data\/[^/]+)$/.test(entry.name)) return false;
        inflated += entry.originalSize;
        if (entry.originalSize > Math.max(entry.size * 100, 1 << 20) || inflated > MAX_INFLATED) throw new Error(`${entry.name} inflates to ${entry.originalSize} bytes`);
        return true;
      },
    });
  } catch (error) {
    throw new EngineError('bad_input', `${file}: not a readable zip archive (${(error as Error).message})`, { file });
  }
  const pickleName = Object.keys(records).find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pickleName) throw new EngineError('bad_input', `${file}: a zip without ARCHIVE/data.pkl is not a PyTorch checkpoint`, { file });
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteorder = records[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') throw new EngineError('unsupported', `${file}: a big-endian checkpoint is not supported`, { file });
  let tensors: Map<string, TensorValue> | null;
  try {
    tensors = tensorsOf(new Unpickler(records[pickleName]!, (key) => records[`${prefix}data/${key}`]).run());
  } catch (error) {
    if (error instanceof Refused) throw new EngineError('bad_input', `${file}: refused: ${error.message}`, { file });
    throw error;
  }
  if (!tensors) throw new EngineError('bad_input', `${file}: the checkpoint holds no tensors (expected a state dict, one under 'state_dict' or 'model', or a TorchScript module)`, { file });
  const dict: StateDict = new Map();
  for (const [name, t] of tensors) dict.set(name, { dtype: t.dtype, shape: t.shape, values: t.values });
  return dict;
}
