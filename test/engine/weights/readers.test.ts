// The weights readers: safetensors (F32 round trip, F16 and BF16 widened exactly, every malformed
// header refused with the file named) and PyTorch zip checkpoints read by a restricted unpickler
// (float32/16/bf16 and integer tensors, strided views and shared storages, nested checkpoints, TorchScript
// archives; a pickle that asks for os.system is refused and nothing runs).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePytorchArchive } from '../../../src-main/engine/weights/pytorch-archive.ts';
import { encodeSafetensors, parseSafetensors } from '../../../src-main/engine/weights/safetensors.ts';
import { torchScriptArchive } from './torchscript-archive.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'pytorch');

function rawSafetensors(header: object, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

describe('safetensors', () => {
  it('round-trips float32 tensors and keeps metadata out of the tensors', () => {
    const data = Float32Array.from([1.5, -2, 3.25, 1e-7, 0, -0]);
    const file = encodeSafetensors([{ name: 'w', shape: [2, 3], data }, { name: 'b', shape: [1], data: Float32Array.from([9]) }], { format: 'pt' });
    expect((file.readUInt32LE(0) + 8) % 8).toBe(0);
    const dict = parseSafetensors('x.safetensors', file);
    expect([...dict.keys()]).toEqual(['w', 'b']);
    expect(dict.get('w')).toEqual({ dtype: 'F32', shape: [2, 3], values: data });
  });

  it('widens F16, BF16 and F64 exactly and keeps integer tensors without values', () => {
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff]); // 1, -2, 0.333..., smallest subnormal, 65504
    const bf16 = new Uint16Array([0x3f80, 0xc0a0, 0x3eab]); // 1, -5, 0.333984375
    const f64 = new Float64Array([0.1]);
    const i64 = new BigInt64Array([7n]);
    const bytes = Buffer.concat([Buffer.from(f16.buffer), Buffer.from(bf16.buffer), Buffer.from(f64.buffer), Buffer.from(i64.buffer)]);
    const header = {
      h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
      b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] },
      d: { dtype: 'F64', shape: [1], data_offsets: [16, 24] },
      n: { dtype: 'I64', shape: [], data_offsets: [24, 32] },
    };
    const dict = parseSafetensors('x', rawSafetensors(header, bytes));
    expect(Array.from(dict.get('h')!.values!)).toEqual([1, -2, Math.fround(0.333251953125), 2 ** -24, 65504]);
    expect(Array.from(dict.get('b')!.values!)).toEqual([1, -5, 0.333984375]);
    expect(dict.get('d')!.values![0]).toBe(Math.fround(0.1));
    expect(dict.get('n')).toEqual({ dtype: 'I64', shape: [], values: null });
  });

  it.each([
    ['a file shorter than its header length', Buffer.from([1, 2, 3]), /shorter than the 8-byte header length/],
    ['a header length beyond the file', (() => { const b = Buffer.alloc(16); b.writeBigUInt64LE(1000n); return b; })(), /header length 1000 does not fit the file's 16 bytes/],
    ['a header that is not JSON', rawSafetensors({}, new Uint8Array()).fill(0x7b, 8), /the header is not JSON/],
    ['offsets beyond the data (a truncated download)', rawSafetensors({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)), /tensor w's data_offsets \[0,16\] lie outside the 8 data bytes/],
    ['a size that does not match the shape', rawSafetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor w \[3\] F32 needs 12 bytes, its offsets give 8/],
    ['overlapping tensors', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), /tensors a and b overlap/],
    ['an unknown dtype', rawSafetensors({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unknown dtype Q4/],
  ])('refuses %s, naming the file', (_what, bytes, message) => {
    expect(() => parseSafetensors('/data/w.safetensors', bytes)).toThrow(/^\/data\/w\.safetensors: not a readable safetensors file: /);
    expect(() => parseSafetensors('/data/w.safetensors', bytes)).toThrow(message);
  });
});

describe('PyTorch zip checkpoints', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;

  it.each(['tensors.pth', 'checkpoint.pth'])('%s: every tensor with the values torch saved', (name) => {
    const dict = parsePytorchArchive(name, readFileSync(join(FIXTURES, name)));
    expect([...dict.keys()]).toEqual(['a.weight', 'a.half', 'a.bf16', 'a.transposed', 'a.first', 'a.rest', 'bn.num_batches_tracked']);
    for (const [key, want] of Object.entries(expected)) {
      const got = dict.get(key)!;
      expect(got.shape, key).toEqual(want.shape);
      expect(Array.from(got.values!), key).toEqual(want.values.map((v) => Math.fround(v)));
    }
    expect(dict.get('a.half')!.dtype).toBe('F16');
    expect(dict.get('bn.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], values: null });
  });

  it("reads a TorchScript archive (OpenAI CLIP's .pt layout, float16) to the tensors of its state_dict()", () => {
    const script = parsePytorchArchive('tiny_clip_jit.pt', readFileSync(join(FIXTURES, 'tiny_clip_jit.pt')));
    const state = parsePytorchArchive('tiny_clip_jit_state.pth', readFileSync(join(FIXTURES, 'tiny_clip_jit_state.pth')));
    expect(state.size).toBe(45);
    expect([...script.keys()].sort()).toEqual([...state.keys()].sort());
    for (const [key, want] of state) expect(script.get(key), key).toEqual(want);
    expect(script.get('visual.transformer.resblocks.1.attn.in_proj_weight')).toMatchObject({ dtype: 'F16', shape: [48, 16] });
    expect(script.get('logit_scale')!.shape).toEqual([]);
  });

  it("the tests' TorchScript writer (pretrained downloads) gives what the real archive gives", () => {
    const real = parsePytorchArchive('tiny_clip_jit.pt', readFileSync(join(FIXTURES, 'tiny_clip_jit.pt')));
    const written = parsePytorchArchive('written.pt', torchScriptArchive([...real].map(([name, t]) => ({ name, shape: t.shape, data: t.values! }))));
    expect(written).toEqual(real);
  });

  it('refuses a pickle that asks for os.system, and runs nothing', () => {
    expect(() => parsePytorchArchive('evil.pth', readFileSync(join(FIXTURES, 'evil.pth')))).toThrow(/^evil\.pth: refused: it asks for posix\.system, which is not part of a tensor state dict \(this reader never runs code from a file\)$/);
    expect(existsSync('/tmp/unitscope-evil')).toBe(false);
  });

  it('refuses a zip that is not a checkpoint', () => {
    expect(() => parsePytorchArchive('x.pth', Buffer.from('PK\u0003\u0004garbage'))).toThrow(/^x\.pth: not a readable zip archive/);
  });
});
