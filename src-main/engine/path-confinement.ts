// Serve mode confines every file the engine touches for a browser to the folders the user shared on the
// command line (the project's folder and --root DIR): a browser must not read, write, list or learn the
// existence of anything else on the server. Paths are resolved the way the OS would (each symlink,
// also a dangling one, followed by hand; a missing tail joined on), then checked, so a symlink inside a
// shared folder cannot lead out of it and the answer never depends on whether a file outside exists.
// The desktop app and the CLI run unconfined (`Confinement.none`).
import { lstatSync, mkdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { mapPaths, type PathKind } from '../contract/paths.ts';
import { EngineError } from './errors.ts';

const MAX_LINKS = 40; // what Linux allows before ELOOP
/** Tries at making an output's folders while something else keeps changing them. */
const MAX_FOLDER_TRIES = 10;

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The absolute path `path` names once every symlink on the way is followed; missing parts are kept as written. */
export function resolveLinks(path: string): string {
  let pending = resolve(path);
  let links = 0;
  for (;;) {
    const { root } = parse(pending);
    const parts = pending.slice(root.length).split(sep).filter(Boolean);
    let current = root;
    let restart: string | null = null;
    for (let i = 0; i < parts.length; i++) {
      const next = join(current, parts[i]!);
      let link = false;
      try {
        link = lstatSync(next).isSymbolicLink();
      } catch {
        return join(next, ...parts.slice(i + 1)); // nothing there: the rest cannot be a link
      }
      if (link) {
        if (++links > MAX_LINKS) throw new EngineError('bad_input', `${path}: too many symbolic links`, { file: path });
        restart = join(resolve(current, readlinkSync(next)), ...parts.slice(i + 1));
        break;
      }
      current = next;
    }
    if (restart === null) return current;
    pending = restart;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root);
  }
}

export class Confinement {
  /** Everything allowed: the desktop app and the CLI act for the user who runs them. */
  static readonly none = new Confinement(null);

  private readonly realRoots: readonly string[];

  /** `roots` null: unconfined; an empty list: nothing allowed (serve without folders). */
  constructor(readonly roots: readonly string[] | null) {
    this.realRoots = (roots ?? []).map(realRoot);
  }

  get active(): boolean {
    return this.roots !== null;
  }

  /** Whether `path` lies inside the shared folders (always true when unconfined). */
  allows(path: string): boolean {
    if (!this.active) return true;
    try {
      const real = resolveLinks(path);
      return this.realRoots.some((root) => isInside(root, real));
    } catch {
      return false; // a symlink loop leads nowhere allowed
    }
  }

  /** The resolved `path`, or an error when it lies outside (unconfined: just the absolute path). */
  resolve(path: string): string {
    if (!this.active) return resolve(path);
    if (this.realRoots.length === 0) throw new EngineError('conflict', 'no folders were shared: start `unitscope serve` with --root DIR to work with files');
    const real = resolveLinks(path);
    if (!this.realRoots.some((root) => isInside(root, real))) throw this.outside(path);
    return real;
  }

  /**
   * `resolve` for a file or folder a call will create: its missing parent folders are made here, one at a
   * time, so the location returned has only real folders above it. Otherwise a parent missing at the check
   * could be made a symlink out of the shared folders before the handler's own mkdir -p followed it.
   * A call refused later leaves those (empty) folders behind.
   */
  resolveForWriting(path: string): string {
    const checked = this.resolve(path);
    if (!this.active || !this.allows(dirname(checked))) return checked; // a shared folder itself: nothing above it to make
    for (let attempt = 0; attempt < MAX_FOLDER_TRIES; attempt++) {
      const parent = this.resolve(dirname(checked));
      if (!this.makeMissingFolders(parent)) continue;
      const real = realpathSync(parent); // what was made is still where the check said
      if (this.realRoots.some((root) => isInside(root, real))) return join(real, basename(checked));
    }
    throw new EngineError('conflict', `${path}: its folders kept changing while they were being made; try again`, { file: path });
  }

  /** Makes each missing folder of the link-free `folder`, without following links; false if one appeared meanwhile. */
  private makeMissingFolders(folder: string): boolean {
    const missing: string[] = [];
    for (let at = folder; ; at = dirname(at)) {
      try {
        lstatSync(at);
        break;
      } catch {
        missing.unshift(at);
      }
      if (dirname(at) === at) break;
    }
    for (const at of missing) {
      try {
        mkdirSync(at); // not recursive: each folder is made here, none is followed
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false; // made by someone else: check again
        throw error;
      }
    }
    return true;
  }

  /**
   * Throws unless every one of `paths` (files a project or bundle refers to) lies inside. Folders are
   * resolved once each, so a project of many images in a few folders costs a few lstat calls per image.
   */
  checkAll(paths: Iterable<string>, owner: string): void {
    if (!this.active) return;
    const folders = new Map<string, boolean>();
    for (const path of paths) {
      const full = resolve(path);
      const folder = dirname(full);
      let inside = folders.get(folder);
      if (inside === undefined) folders.set(folder, (inside = this.allows(folder)));
      if (!inside || (isLink(full) && !this.allows(full))) {
        throw new EngineError('conflict', `${owner}: refers to ${full}, outside the folders shared with \`unitscope serve\` (${(this.roots ?? []).join(', ')}); serve it with --root covering its files`, { file: owner });
      }
    }
  }

  /** The error for a path outside; the same words whether or not anything exists there. */
  outside(path: string): EngineError {
    return new EngineError('conflict', `${path}: outside the folders shared with \`unitscope serve\` (${(this.roots ?? []).join(', ')})`, { file: path });
  }

  /**
   * The arguments of a call with every path (found by its type in `schema`, see contract/paths.ts)
   * resolved and checked. Handlers then work on the checked locations, not on a name that a symlink
   * swapped in between could point elsewhere.
   */
  async confineArguments(schema: z.ZodType, args: unknown): Promise<unknown> {
    if (!this.active) return args;
    return mapPaths(schema, args, async (path, kind: PathKind) => (kind === 'write' || kind === 'new-project' ? this.resolveForWriting(path) : this.resolve(path)));
  }
}
