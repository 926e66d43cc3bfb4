import { defineConfig } from 'vitest/config';

// Browser tests: they start `unitscope serve` and drive Debian's chromium through playwright-core.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./test/support/temp-root.ts'],
    setupFiles: ['./test/support/setup-env.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
