import { defineConfig } from 'vitest/config';

// The Slurm test needs root and Debian's slurmctld, slurmd, slurm-client and munge (CI installs them):
// it starts a real one-node cluster, so it runs on its own (`npm run test:slurm`), not in `npm test`.
export default defineConfig({
  test: {
    include: ['test/slurm/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['./test/support/setup-env.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
