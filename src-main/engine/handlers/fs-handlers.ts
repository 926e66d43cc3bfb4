// Directory listing for the serve-mode file picker. A browser has no native dialog into the server's
// disk, so the user names folders on the command line (`serve --root DIR`) and only paths under them
// can be listed (serve mode checks every path argument, see path-confinement.ts). Entries that lead out
// of the shared folders (symlinks) are left out, so a listing never tells what lies outside. The desktop
// app uses native dialogs instead.
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import type { DirectoryEntry } from '../../contract/types.ts';

export function fsHandlers(engine: Engine) {
  const { confinement } = engine;
  return {
    'fs.list': async ({ path }) => {
      const dir = confinement.resolve(path ?? engine.session.roots[0] ?? process.cwd());
      const entries = await readdir(dir, { withFileTypes: true });
      const listed: DirectoryEntry[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const full = join(dir, entry.name);
        if (!confinement.allows(full)) continue;
        const info = await stat(full).catch(() => null); // broken links and unreadable entries are skipped
        if (!info) continue;
        listed.push({ name: entry.name, path: full, kind: info.isDirectory() ? 'dir' : 'file', bytes: info.isDirectory() ? 0 : info.size });
      }
      listed.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = dirname(dir);
      return { path: dir, parent: parent !== dir && confinement.allows(parent) ? parent : null, entries: listed };
    },
  } satisfies Partial<EngineHandlers>;
}
