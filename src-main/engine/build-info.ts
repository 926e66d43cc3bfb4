// Which build of the app computed a result, for manifests: the git commit of the checkout the engine runs
// from (git rev-parse, once per process), else "unknown" with the reason (an installed build without git).
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildInfo } from '../contract/run-manifest.ts';

let cached: BuildInfo | null = null;

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  try {
    const commit = git(['rev-parse', 'HEAD'], here);
    const dirty = git(['status', '--porcelain', '--untracked-files=no'], here).length > 0;
    cached = { commit: dirty ? `${commit}+dirty` : commit, unknownBecause: null };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : 'the app does not run from a git checkout (an installed build records no commit)';
    cached = { commit: 'unknown', unknownBecause: reason };
  }
  return cached;
}
