// Writes a TorchScript archive the way torch.jit.save lays out what a weights reader sees (checked against
// a real one: test/fixtures/pytorch/tiny_clip_jit.pt): ARCHIVE/data.pkl, a protocol-2 pickle of a tree of
// `__torch__` module objects (GLOBAL, EMPTY_TUPLE, NEWOBJ, then BUILD with a dict of attributes) whose
// tensors are torch._utils._rebuild_tensor_v2 over persistent storages ARCHIVE/data/N, here float16 as in
// OpenAI's CLIP files. Tests serve it in place of a real ViT-B-32.pt.
import { zipSync } from 'fflate';
import type { TensorToWrite } from '../../../src-main/engine/weights/safetensors.ts';

interface ModuleNode {
  children: Map<string, ModuleNode>;
  tensors: Map<string, { shape: number[]; storage: number }>;
}

/** IEEE half precision, round to nearest even (what torch's .half() does). */
export function toFloat16(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 31) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    const m = (mantissa | 0x800000) >>> (1 - exponent);
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  const rounded = (exponent << 10) + ((mantissa + 0xfff + ((mantissa >>> 13) & 1)) >>> 13);
  return sign | rounded;
}

class PickleWriter {
  private readonly parts: Uint8Array[] = [];

  op(...bytes: number[]): this {
    this.parts.push(Uint8Array.from(bytes));
    return this;
  }

  global(module: string, name: string): this {
    this.op(0x63);
    this.parts.push(new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }

  text(value: string): this {
    const utf8 = new TextEncoder().encode(value);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, utf8.length, true);
    this.op(0x58);
    this.parts.push(length, utf8);
    return this;
  }

  int(value: number): this {
    const bytes = new Uint8Array(5);
    bytes[0] = 0x4a; // BININT
    new DataView(bytes.buffer).setInt32(1, value, true);
    this.parts.push(bytes);
    return this;
  }

  ints(values: readonly number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74); // TUPLE
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function writeModule(w: PickleWriter, node: ModuleNode, className: string): void {
  w.global('__torch__', className).op(0x29, 0x81, 0x7d, 0x28); // EMPTY_TUPLE NEWOBJ EMPTY_DICT MARK
  for (const [key, t] of node.tensors) {
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    w.text(key).global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    w.op(0x28).text('storage').global('torch', 'HalfStorage').text(String(t.storage)).text('cpu').int(t.shape.reduce((a, b) => a * b, 1)).op(0x74, 0x51); // TUPLE BINPERSID
    w.int(0).ints(t.shape).ints(strides).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52, 0x74, 0x52); // False, OrderedDict(), TUPLE, REDUCE
  }
  for (const [key, child] of node.children) {
    w.text(key);
    writeModule(w, child, `Module_${key}`);
  }
  w.text('training').op(0x89, 0x75, 0x62); // NEWFALSE SETITEMS BUILD
}

/** The archive (a zip) holding `tensors` by their dotted names, each stored as float16. */
export function torchScriptArchive(tensors: readonly TensorToWrite[], archive = 'model'): Uint8Array {
  const root: ModuleNode = { children: new Map(), tensors: new Map() };
  const files: Record<string, Uint8Array> = {};
  tensors.forEach((t, storage) => {
    const path = t.name.split('.');
    let node = root;
    for (const part of path.slice(0, -1)) {
      if (!node.children.has(part)) node.children.set(part, { children: new Map(), tensors: new Map() });
      node = node.children.get(part)!;
    }
    node.tensors.set(path.at(-1)!, { shape: [...t.shape], storage });
    const half = new Uint16Array(t.data.length);
    for (let i = 0; i < half.length; i++) half[i] = toFloat16(t.data[i]!);
    files[`${archive}/data/${storage}`] = new Uint8Array(half.buffer);
  });
  const w = new PickleWriter().op(0x80, 2);
  writeModule(w, root, 'CLIP');
  w.op(0x2e); // STOP
  files[`${archive}/data.pkl`] = w.bytes();
  files[`${archive}/version`] = new TextEncoder().encode('3\n');
  return zipSync(files, { level: 0 });
}
