// GPU providers whose files or GPU device are plainly missing are skipped with a reason before
// onnxruntime is asked, so a CPU-only machine falls back quietly. This machine has no CUDA provider
// files and no GPU device; it may have a Vulkan loader with a software driver (lavapipe), on which
// Dawn prints "XDG_RUNTIME_DIR is invalid" and adapter warnings when WebGPU is tried.
import { describe, expect, it } from 'vitest';
import { providerUnavailableReason } from '../../../src-main/engine/inference/provider-precheck.ts';
import { openSession } from '../../../src-main/engine/inference/session.ts';
import { generateModel } from '../../../src-main/engine/models/library.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { makeTinyProject } from '../runs/tiny-project.ts';
import { runCli } from '../../support/run-cli.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { readRunManifest } from '../../../src-main/engine/storage/runs-store.ts';
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

  it('skips WebGPU and CUDA on Linux without a GPU device, and never without a look at the devices', () => {
    const devices = mkdtempSync(join(tmpdir(), 'unitscope-dev-'));
    try {
      if (process.platform === 'linux') expect(providerUnavailableReason('webgpu', 'linux', devices)).toMatch(/WebGPU needs (a GPU and none is visible|Vulkan)/);
      mkdirSync(join(devices, 'dri'));
      writeFileSync(join(devices, 'dri', 'renderD128'), '');
      // With a render node, WebGPU is worth trying wherever a Vulkan loader is installed.
      const withGpu = providerUnavailableReason('webgpu', 'linux', devices);
      expect(withGpu === null || /no Vulkan loader/.test(withGpu)).toBe(true);
      expect(providerUnavailableReason('webgpu', 'darwin', devices)).toBeNull();
    } finally {
      rmSync(devices, { recursive: true, force: true });
    }
  });

  it('an auto run on this CPU-only machine prints no native GPU noise and records why each GPU provider was skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitscope-quiet-'));
    try {
      const path = join(dir, 'q.unitscope');
      await makeTinyProject(path, 2, 3);
      const result = runCli(['run', path, '--model', 'tiny', '--ep', 'auto']);
      expect(result.code, result.stderr).toBe(0);
      for (const noise of [/XDG_RUNTIME_DIR/, /Vulkan/i, /dawn/i, /^Warning:/m, /While initializing adapter/]) expect(result.stderr).not.toMatch(noise);
      const project = Project.open(path, { readonly: true });
      try {
        const execution = readRunManifest(project.db, 1)!.execution;
        expect(execution.provider).toBe('cpu');
        expect(execution.fallback).toMatch(/webgpu unavailable: WebGPU needs (a GPU and none is visible|Vulkan)/);
        // The run record lists every provider tried, in order, and why each GPU one was skipped.
        const tried = execution.providers!;
        expect(tried.map((t) => [t.provider, t.outcome])).toEqual([...(process.platform === 'linux' && process.arch === 'x64' ? [['cuda', 'skipped']] : []), ['webgpu', 'skipped'], ['cpu', 'used']]);
        expect(tried.find((t) => t.provider === 'webgpu')!.reason).toMatch(/^WebGPU needs (a GPU and none is visible|Vulkan)/);
        expect(tried.at(-1)!.reason).toBeNull();
      } finally {
        project.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
