// npm's `prepare` step (npm install / npm ci in a checkout): builds the interface into out/renderer, so
// the first `unitscope serve` after install opens at once instead of spending a minute building it.
// Offline (Vite only reads the sources) and idempotent: nothing is built when the build is current.
// UNITSCOPE_SKIP_RENDERER_BUILD=1 skips it (serve then builds on first start, as before).
import { ensureRendererBuilt, rendererIsStale } from '../../src-main/serve/renderer-build.ts';

if (process.env.UNITSCOPE_SKIP_RENDERER_BUILD === '1') {
  console.log('unitscope: renderer build skipped (UNITSCOPE_SKIP_RENDERER_BUILD=1); serve builds it on first start');
} else if (!rendererIsStale()) {
  console.log('unitscope: the interface is built and current');
} else {
  const started = Date.now();
  try {
    await ensureRendererBuilt((line) => console.log(`unitscope: ${line}`));
    console.log(`unitscope: interface built in ${((Date.now() - started) / 1000).toFixed(1)} s (out/renderer)`);
  } catch (error) {
    // An install without the dev tools (npm ci --omit=dev) has no Vite: serve says so when it starts.
    console.warn(`unitscope: the interface was not built now (${(error as Error).message}); unitscope serve builds it on first start`);
  }
}
