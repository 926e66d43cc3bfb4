// Serve mode needs the built renderer. A packaged app ships it; a checkout builds it during install (npm's
// prepare step, resources/scripts/build-renderer.ts) and again on first use when renderer, contract or
// docs sources are newer than the build, so `unitscope serve` opens at once after `npm install`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const RENDERER_OUT = join(repoRoot, 'out', 'renderer');
// docs/: the Method screen bundles docs/method.md.
const SOURCE_DIRS = [join(repoRoot, 'src-renderer'), join(repoRoot, 'src-main', 'contract'), join(repoRoot, 'docs')];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

export function rendererIsStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const sourcesPresent = SOURCE_DIRS.every((d) => existsSync(d));
  if (!sourcesPresent) return false; // packaged: no sources to compare against
  const built = statSync(index).mtimeMs;
  return SOURCE_DIRS.some((d) => newestMtime(d) > built);
}

/** Builds the renderer into out/renderer with the same Vite config the desktop build uses. */
export async function ensureRendererBuilt(log: (line: string) => void): Promise<string> {
  if (rendererIsStale()) {
    log('building the interface (first run after install or update)...');
    const { build } = await import('vite');
    const { rendererConfig } = await import('../../src-renderer/vite.config.ts');
    await build({ ...rendererConfig(), logLevel: 'warn', configFile: false });
  }
  return RENDERER_OUT;
}
