// Desktop build: the Electron main process (a thin broker), the engine host that runs in a utility
// process, the sandboxed preload (CommonJS, as sandboxed preloads must be) and the renderer.
import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { rendererConfig } from './src-renderer/vite.config.ts';

const renderer = rendererConfig();

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('src-main/index.ts'),
          'engine-host': resolve('src-main/electron/engine-host.ts'),
          // Worker threads of the engine (src-main/engine/module-worker.ts finds them by these names).
          'scramble-worker': resolve('src-main/engine/stimuli/scramble-worker.ts'),
          'analyze-worker': resolve('src-main/engine/stats/analyze-worker.ts'),
          'bootstrap-worker': resolve('src-main/engine/runs/bootstrap-worker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...renderer,
    build: { ...renderer.build, outDir: resolve('out/renderer') },
  },
});
