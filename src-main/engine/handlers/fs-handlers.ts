// Directory listing for the serve-mode file picker. A browser has no native dialog into the server's
// disk, so the user names folders on the command line (`serve --root DIR`) and only paths under them
// (after resolving symlinks) can be listed. The desktop app uses native dialogs instead.
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import type { EngineHandlers } from './types.ts';
import type { DirectoryEntry } from '../../contract/types.ts';

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function confine(engine: Engine, path: string): Promise<string> {
  const roots = engine.session.roots;
  if (engine.session.mode !== 'serve') return resolve(path);
  if (roots.length === 0) throw new EngineError('conflict', 'no folders were shared: start serve with --root DIR to pick files');
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch {
    throw new EngineError('not_found', `${path}: no such file or folder`, { file: path });
  }
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
  if (!realRoots.some((root) => isInside(root, real))) {
    throw new EngineError('conflict', `${path}: outside the folders shared with --root`, { file: path });
  }
  return real;
}

export function fsHandlers(engine: Engine) {
  return {
    'fs.list': async ({ path }) => {
      const dir = await confine(engine, path ?? engine.session.roots[0] ?? process.cwd());
      const entries = await readdir(dir, { withFileTypes: true });
      const listed: DirectoryEntry[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const full = join(dir, entry.name);
        const info = await stat(full).catch(() => null); // broken links and unreadable entries are skipped
        if (!info) continue;
        listed.push({ name: entry.name, path: full, kind: info.isDirectory() ? 'dir' : 'file', bytes: info.isDirectory() ? 0 : info.size });
      }
      listed.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = dirname(dir);
      const parentAllowed = engine.session.mode !== 'serve' || (await confine(engine, parent).then(() => true, () => false));
      return { path: dir, parent: parent !== dir && parentAllowed ? parent : null, entries: listed };
    },
  } satisfies Partial<EngineHandlers>;
}
