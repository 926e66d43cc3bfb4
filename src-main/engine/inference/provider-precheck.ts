// Cheap checks that a GPU execution provider can load at all, made before asking onnxruntime. A failed
// attempt inside onnxruntime prints native errors on stderr (a missing CUDA library, no Vulkan for
// WebGPU) that users would read as a crash; when the files it needs are plainly absent we skip the
// attempt and record why instead.
import { existsSync } from 'node:fs';
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

/** Why `provider` certainly cannot load here, or null when it is worth trying. */
export function providerUnavailableReason(provider: ConcreteProvider, platform: NodeJS.Platform = process.platform): string | null {
  if (provider === 'cuda') {
    const library = CUDA_LIBRARY[platform];
    if (!library) return `CUDA is not offered on ${platform}`;
    if (!existsSync(join(ortBinaryDir(), library))) {
      return platform === 'linux' ? 'the CUDA provider files are not installed (run `npm run setup:cuda`)' : `${library} is not installed`;
    }
  }
  if (provider === 'webgpu' && platform === 'linux' && !vulkanLoaderPresent()) {
    return 'WebGPU needs Vulkan and no Vulkan loader (libvulkan.so.1) is installed';
  }
  return null;
}
