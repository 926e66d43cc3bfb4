// Runs a snippet of engine code in a child Node process and reports the child's peak resident memory, so a
// test can assert that a refusal came before anything large was allocated (the test process's own peak
// says nothing: earlier tests in the same worker set it).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `body` is the inside of an async module (imports by absolute path: `ROOT` below); whatever it returns
 * comes back as `value` (JSON), with the child's peak RSS in MiB.
 */
export function withPeakMemory<T>(body: string): { value: T; peakMiB: number } {
  const code = `const run = async () => { ${body} };
const value = await run();
process.stdout.write(JSON.stringify({ value, peakKiB: process.resourceUsage().maxRSS }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const parsed = JSON.parse(out.slice(out.lastIndexOf('{"value"'))) as { value: T; peakKiB: number };
  return { value: parsed.value, peakMiB: parsed.peakKiB / 1024 };
}

/** An absolute import specifier for a module under the repository root. */
export function moduleUrl(relative: string): string {
  return JSON.stringify(new URL(relative, new URL(`file://${ROOT}`)).href);
}
