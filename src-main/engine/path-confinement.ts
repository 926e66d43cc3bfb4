// Serve mode confines every file path a browser sends to the folders the user shared on the command
// line (the project's folder and --root DIR). A browser on another machine must not be able to read,
// write or import anything else on the server. Symlinks are resolved before the check; a path that does
// not exist yet (an export folder, a new project) is checked through its nearest existing ancestor.
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { EngineError } from './errors.ts';

/** Argument names that carry file-system paths, across the whole contract. */
export const PATH_ARGUMENTS: readonly string[] = ['path', 'out', 'to', 'source', 'outDir', 'file', 'evalPath', 'pathB', 'files'];

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
async function realOrNearest(path: string): Promise<string> {
  let current = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      rest.push(basename(current));
      current = parent;
    }
  }
}

/** Resolves `path` and throws unless it lies under one of `roots`. */
export async function confinePath(roots: readonly string[], path: string): Promise<string> {
  if (roots.length === 0) throw new EngineError('conflict', 'no folders were shared: start `unitscope serve` with --root DIR to work with files');
  const real = await realOrNearest(path);
  const realRoots = await Promise.all(roots.map((root) => realOrNearest(root)));
  if (!realRoots.some((root) => isInside(root, real))) {
    throw new EngineError('conflict', `${path}: outside the folders shared with \`unitscope serve\` (${roots.join(', ')})`, { file: path });
  }
  return real;
}

/** Checks every path-carrying argument of a call (see PATH_ARGUMENTS). */
export async function confinePathArguments(roots: readonly string[], args: unknown): Promise<void> {
  if (typeof args !== 'object' || args === null) return;
  for (const key of PATH_ARGUMENTS) {
    const value = (args as Record<string, unknown>)[key];
    const paths = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    for (const path of paths) await confinePath(roots, path);
  }
}
