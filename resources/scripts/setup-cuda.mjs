// `npm run setup:cuda`: installs onnxruntime-node's CUDA 12 execution provider libraries on Linux x64 by
// running the package's own install script with ONNXRUNTIME_NODE_INSTALL=cuda12 (the normal install skips
// it: it downloads from an outside feed). Elsewhere it says what applies instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

if (process.platform !== 'linux' || process.arch !== 'x64') {
  const hint =
    process.platform === 'win32'
      ? 'On Windows, DirectML (provider dml) ships with onnxruntime-node; CUDA needs a CUDA-enabled ONNX Runtime build.'
      : process.platform === 'darwin'
        ? 'On macOS, use CoreML (provider coreml), which ships with onnxruntime-node.'
        : 'Use the cpu provider on this platform.';
  console.error(`setup:cuda installs the CUDA provider on Linux x64 only (this is ${process.platform}-${process.arch}). ${hint}`);
  process.exit(1);
}

let packageDir;
try {
  packageDir = dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  console.error('setup:cuda: onnxruntime-node is not installed; run npm install first');
  process.exit(1);
}
const script = join(packageDir, 'script', 'install.js');
if (!existsSync(script)) {
  console.error(`setup:cuda: ${script} is missing; this onnxruntime-node version has no install script`);
  process.exit(1);
}
console.error('setup:cuda: downloading the CUDA 12 provider for onnxruntime-node (needs network access and a CUDA 12 + cuDNN 9 driver stack)...');
const result = spawnSync(process.execPath, [script], { cwd: packageDir, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' } });
if (result.status !== 0) {
  console.error(`setup:cuda: the install script failed (exit ${result.status ?? result.signal}); the cpu provider still works, and runs with provider auto fall back to it`);
  process.exit(result.status ?? 1);
}
console.error('setup:cuda: done. Runs with --provider auto or cuda will now use the GPU when the driver is present.');
