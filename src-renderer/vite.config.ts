// The renderer's Vite config, shared by electron-vite (desktop build) and serve mode's on-demand build.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { UserConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export const rendererRoot = here;
export const rendererOutDir = resolve(here, '../out/renderer');

export function rendererConfig(): UserConfig {
  return {
    root: here,
    base: './',
    plugins: [svelte()],
    build: {
      outDir: rendererOutDir,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 2048,
      rollupOptions: { input: resolve(here, 'index.html') },
    },
  };
}

export default rendererConfig();
