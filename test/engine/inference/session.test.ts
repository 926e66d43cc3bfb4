import { describe, expect, it } from 'vitest';
import { openSession, providerOrder, type ConcreteProvider, type SessionFactory, type SessionLike } from '../../../src-main/engine/inference/session.ts';
import { generateTiny } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';

const fakeSession: SessionLike = { inputNames: ['input'], outputNames: ['out'], run: async () => ({}), release: async () => undefined };

function fakeFactory(fails: Partial<Record<ConcreteProvider, string>>, tried: ConcreteProvider[]): SessionFactory {
  return async (_model, provider) => {
    tried.push(provider);
    const message = fails[provider];
    if (message) throw new Error(message);
    return fakeSession;
  };
}

describe('execution provider selection', () => {
  it('orders what each platform offers, CPU last', () => {
    expect(providerOrder('auto', 'linux', 'x64')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerOrder('auto', 'linux', 'arm64')).toEqual(['webgpu', 'cpu']);
    expect(providerOrder('auto', 'win32', 'x64')).toEqual(['cuda', 'dml', 'webgpu', 'cpu']);
    expect(providerOrder('auto', 'darwin', 'arm64')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providerOrder('cpu')).toEqual(['cpu']);
    expect(providerOrder('dml')).toEqual(['dml', 'cpu']);
  });

  it('falls back past providers that throw and records why', async () => {
    const tried: ConcreteProvider[] = [];
    const factory = fakeFactory({ cuda: 'Failed to load shared library libonnxruntime_providers_cuda.so\nmore', webgpu: 'Failed to get a WebGPU adapter: No supported adapters' }, tried);
    const opened = await openSession(new Uint8Array(), 'auto', 'm.onnx', factory);
    const expected = providerOrder('auto');
    expect(tried).toEqual(expected);
    expect(opened.provider).toBe('cpu');
    if (expected.includes('cuda')) expect(opened.fallback).toContain('cuda unavailable: Failed to load shared library libonnxruntime_providers_cuda.so');
    expect(opened.fallback).toContain('webgpu unavailable: Failed to get a WebGPU adapter');
    expect(opened.fallback).not.toContain('more');
  });

  it('uses the first provider that loads, with no fallback reason', async () => {
    const tried: ConcreteProvider[] = [];
    const opened = await openSession(new Uint8Array(), 'webgpu', 'm.onnx', fakeFactory({}, tried));
    expect(opened).toMatchObject({ provider: 'webgpu', fallback: null });
    expect(tried).toEqual(['webgpu']);
  });

  it('does not blame the provider for a broken model: fails at once with the file named', async () => {
    const tried: ConcreteProvider[] = [];
    const factory = fakeFactory({ cuda: 'Could not find an implementation for FancyRelu(1) node with name x' }, tried);
    await expect(openSession(new Uint8Array(), 'cuda', 'm.onnx', factory)).rejects.toThrow(/^m\.onnx: operator FancyRelu is not supported/);
    expect(tried).toEqual(['cuda']);
  });

  it('runs for real on this machine: auto ends on a provider that loads, CPU explicitly', async () => {
    const bytes = encodeModel(generateTiny(1));
    const cpu = await openSession(bytes, 'cpu', 'tiny.onnx');
    expect(cpu).toMatchObject({ provider: 'cpu', fallback: null });
    await cpu.session.release();
    const auto = await openSession(bytes, 'auto', 'tiny.onnx');
    expect(providerOrder('auto')).toContain(auto.provider);
    if (auto.provider === 'cpu') expect(auto.fallback).toMatch(/unavailable/);
    await auto.session.release();
  });
});
