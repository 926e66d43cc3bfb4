import { defineConfig } from 'vitest/config';

// Unit and integration tests under plain Node. Browser tests (Playwright + Debian chromium) have their
// own config, vitest.browser.config.ts, because they need the built renderer and a browser; the Slurm
// test has vitest.slurm.config.ts, because it needs root and a Slurm installation.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/slurm/**', 'node_modules/**'],
    environment: 'node',
    globalSetup: ['./test/support/temp-root.ts'],
    setupFiles: ['./test/support/setup-env.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native modules (onnxruntime, better-sqlite3, sharp) are safest in forked processes.
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
