// Prints one plain closing line, "tests: N passed, N failed[, N skipped]", that CI log readers understand
// whatever test runner produced it.
import { appendFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    // CI runs several suites and prints one total at the end from these lines.
    const file = process.env.UNITSCOPE_TEST_TOTALS;
    if (file) appendFileSync(file, `${passed} ${failed} ${skipped}\n`);
  }
}
