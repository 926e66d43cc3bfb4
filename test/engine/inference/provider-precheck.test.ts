// GPU providers whose files are plainly missing are skipped with a reason before onnxruntime is asked,
// so a CPU-only machine falls back quietly. This machine has no CUDA provider files and no Vulkan.
import { describe, expect, it } from 'vitest';
import { providerUnavailableReason } from '../../../src-main/engine/inference/provider-precheck.ts';
import { openSession } from '../../../src-main/engine/inference/session.ts';
import { generateModel } from '../../../src-main/engine/models/library.ts';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('provider precheck', () => {
  it('never blocks the CPU provider and names what CUDA lacks', () => {
    expect(providerUnavailableReason('cpu')).toBeNull();
    expect(providerUnavailableReason('cuda', 'darwin')).toMatch(/not offered on darwin/);
    const cudaFiles = existsSync('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so');
    if (process.platform === 'linux' && !cudaFiles) expect(providerUnavailableReason('cuda')).toMatch(/npm run setup:cuda/);
  });

  it('auto on this machine ends on CPU and records why each GPU provider was skipped', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'unitscope-ep-')), 'tiny.onnx');
    generateModel('tiny', 1, file);
    const opened = await openSession(readFileSync(file), 'auto', file);
    try {
      expect(opened.provider).toBe('cpu');
      if (process.platform === 'linux' && process.arch === 'x64') expect(opened.fallback).toMatch(/^cuda unavailable: /);
      expect(opened.fallback).toMatch(/webgpu unavailable: /);
    } finally {
      await opened.session.release();
    }
  });
});
