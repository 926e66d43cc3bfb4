// Runs the real `unitscope` command in a child process, as a user would.
import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src-main/cli/bin.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface KilledResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** ms from spawn to exit. */
  ms: number;
}

/** Runs the CLI and SIGKILLs it `killAfterMs` after spawn (never, when undefined). */
export async function runCliKilledAfter(args: string[], killAfterMs?: number, options: { env?: NodeJS.ProcessEnv } = {}): Promise<KilledResult> {
  const started = performance.now();
  const child = spawnCli(args, options);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  if (timer) clearTimeout(timer);
  return { code, signal, stderr, ms: performance.now() - started };
}

/** Kill points for `count` kills spread over a reference run of `referenceMs` (start-up excluded by `from`). */
export function killPoints(referenceMs: number, count: number, from = 0.3, to = 1): number[] {
  return Array.from({ length: count }, (_, i) => Math.round(referenceMs * (from + ((to - from) * (i + 0.5)) / count)));
}

/**
 * Runs the CLI, polling `seen(pid)` from here (the way another process would look); `killAfterMs` after it
 * first holds, SIGKILLs the child. `sinceSeenMs`: from then to the exit (null if it never held).
 */
export async function runCliKilledWhen(args: string[], seen: (pid: number) => boolean, killAfterMs?: number): Promise<KilledResult & { sinceSeenMs: number | null }> {
  const child = spawnCli(args);
  const started = performance.now();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => {
      exited = true;
      resolve({ code: c, signal: s });
    });
  });
  let seenAt: number | null = null;
  while (!exited && seenAt === null) {
    if (seen(child.pid!)) seenAt = performance.now();
    else await new Promise((r) => setTimeout(r, 5));
  }
  const timer = seenAt !== null && killAfterMs !== undefined && !exited ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : null;
  const { code, signal } = await exit;
  if (timer) clearTimeout(timer);
  const now = performance.now();
  return { code, signal, stderr, ms: now - started, sinceSeenMs: seenAt === null ? null : now - seenAt };
}

/** runCli without blocking the test's event loop, so several commands can run at once. */
export async function runCliAsync(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  return { code, stdout, stderr };
}
