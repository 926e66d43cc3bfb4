// Cheap checks that a GPU execution provider can load at all, made before asking onnxruntime. A failed
// attempt inside onnxruntime prints native errors on stderr that users would read as a crash (a missing
// CUDA library; for WebGPU, Dawn's "XDG_RUNTIME_DIR is invalid" and Vulkan adapter warnings, also when
// only a software Vulkan driver such as lavapipe is installed); when the files or the GPU device it needs
// are plainly absent we skip the attempt and record why instead. The checks never reject a machine that
// has what the provider needs: onnxruntime still decides there.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ConcreteProvider } from './session.ts';

function ortBinaryDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(packageJson), 'bin', 'napi-v6', process.platform, process.arch);
}

const CUDA_LIBRARY: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'libonnxruntime_providers_cuda.so',
  win32: 'onnxruntime_providers_cuda.dll',
};

const VULKAN_DIRS = ['/usr/lib', '/usr/lib64', '/usr/local/lib', `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`];

function vulkanLoaderPresent(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...VULKAN_DIRS];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** Linux GPU device nodes: DRM render nodes (Mesa's and AMD's Vulkan drivers) and NVIDIA's own. */
function linuxGpuDevices(devices = '/dev'): { render: boolean; nvidia: boolean } {
  const has = (folder: string, prefix: string) => {
    try {
      return readdirSync(folder).some((name) => name.startsWith(prefix));
    } catch {
      return false;
    }
  };
  return { render: has(join(devices, 'dri'), 'renderD'), nvidia: existsSync(join(devices, 'nvidiactl')) || has(devices, 'nvidia0') };
}

/** Why `provider` certainly cannot load here, or null when it is worth trying. */
export function providerUnavailableReason(provider: ConcreteProvider, platform: NodeJS.Platform = process.platform, devices = '/dev'): string | null {
  if (provider === 'cuda') {
    const library = CUDA_LIBRARY[platform];
    if (!library) return `CUDA is not offered on ${platform}`;
    if (!existsSync(join(ortBinaryDir(), library))) {
      return platform === 'linux' ? 'the CUDA provider files are not installed (run `npm run setup:cuda`)' : `${library} is not installed`;
    }
    if (platform === 'linux' && !linuxGpuDevices(devices).nvidia) return `no NVIDIA GPU is visible (no ${join(devices, 'nvidiactl')})`;
  }
  if (provider === 'webgpu' && platform === 'linux') {
    if (!vulkanLoaderPresent()) return 'WebGPU needs Vulkan and no Vulkan loader (libvulkan.so.1) is installed';
    const gpu = linuxGpuDevices(devices);
    // Without a GPU device only a software Vulkan driver can answer, and Dawn refuses those adapters.
    if (!gpu.render && !gpu.nvidia) return `WebGPU needs a GPU and none is visible (no ${join(devices, 'dri', 'renderD*')} or ${join(devices, 'nvidia*')})`;
  }
  return null;
}

/** A provider skipped before onnxruntime was asked (see providerUnavailableReason). */
export class ProviderSkipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ProviderSkipped';
  }
}

/** Throws ProviderSkipped when `provider` certainly cannot load here: for every session factory. */
export function checkProviderMayLoad(provider: ConcreteProvider): void {
  const unavailable = providerUnavailableReason(provider);
  if (unavailable) throw new ProviderSkipped(unavailable);
}
