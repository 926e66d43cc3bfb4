// Where stimuli come from: a folder with one subfolder per category (nested folders become the
// subcategory), the fLoc layout (subcategory folders or `sub-N.jpg` names, mapped to categories), or a
// CSV/TSV manifest. Each source yields candidate files plus the problems met while walking it; nothing
// here reads pixels.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { CategoryRole, StimulusProblem } from '../../contract/types.ts';
import { quoted } from '../errors.ts';
import { Confinement, resolveLinks } from '../path-confinement.ts';
import { isInsideFolder } from '../owned-files.ts';

export interface Candidate {
  absolutePath: string;
  category: string;
  subcategory: string | null;
  /** Set by a manifest row; otherwise decided by import options. */
  role?: CategoryRole;
  controlsFor?: string | null;
}

export interface SourceScan {
  layout: 'folders' | 'floc' | 'manifest';
  /** The folder relative paths are reported against (the source folder, or the manifest's folder). */
  root: string;
  candidates: Candidate[];
  problems: StimulusProblem[];
  /** Categories the source marks as controls (fLoc's scrambled), before user options. */
  roles: Map<string, { role: CategoryRole; controlsFor: string | null }>;
}

/** fLoc (Stigliani et al. 2015) subcategory -> category, per docs/method.md (Stimuli). Users may override entries. */
export const FLOC_CATEGORY_MAP: Readonly<Record<string, string>> = {
  adult: 'faces',
  child: 'faces',
  body: 'bodies',
  limb: 'bodies',
  corridor: 'scenes',
  house: 'scenes',
  word: 'words',
  number: 'words',
  car: 'objects',
  instrument: 'objects',
  scrambled: 'scrambled',
};

// Files every OS drops into folders; they are not stimuli and not worth a problem line.
const IGNORED_FILES = new Set(['thumbs.db', 'desktop.ini', 'icon\r']);

function ignored(name: string): boolean {
  return name.startsWith('.') || IGNORED_FILES.has(name.toLowerCase());
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface WalkState {
  problems: StimulusProblem[];
  /** Serve mode: entries (symlinks) leading out of the shared folders are reported, never followed. */
  confinement: Confinement;
  /** Real paths of the folders on the current descent, to spot symlinks that point back up. */
  ancestors: Set<string>;
}

/** All files under `dir` (following symlinks, refusing loops), as [absolute path, relative folder parts]. */
async function walk(dir: string, parts: string[], state: WalkState, out: { path: string; parts: string[] }[]): Promise<void> {
  let real: string;
  let names: string[];
  try {
    real = await realpath(dir);
    names = (await readdir(dir)).sort(compareNames);
  } catch (error) {
    state.problems.push({ file: dir, reason: `unreadable folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, severity: 'error' });
    return;
  }
  state.ancestors.add(real);
  for (const name of names) {
    if (ignored(name)) continue;
    const path = join(dir, name);
    if (!state.confinement.allows(path)) {
      state.problems.push({ file: path, reason: 'leads outside the folders shared with `unitscope serve` (not followed)', severity: 'error' });
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ELOOP' ? 'symlink loop (the link resolves to itself)' : code === 'ENOENT' ? 'broken symlink' : `unreadable (${code ?? (error as Error).message})`;
      state.problems.push({ file: path, reason, severity: 'error' });
      continue;
    }
    if (info.isDirectory()) {
      const target = await realpath(path).catch(() => path);
      if (state.ancestors.has(target)) {
        state.problems.push({ file: path, reason: `symlink loop (points back to ${target})`, severity: 'error' });
        continue;
      }
      await walk(path, [...parts, name], state, out);
    } else if (info.isFile()) {
      out.push({ path, parts });
    }
  }
  state.ancestors.delete(real);
}

/** `adult-12.jpg` -> `adult` when it is a fLoc subcategory. */
function flocPrefix(fileName: string): string | null {
  const match = /^([a-z]+)-\d+\.[a-z]+$/i.exec(fileName);
  const prefix = match?.[1]?.toLowerCase();
  return prefix !== undefined && Object.hasOwn(FLOC_CATEGORY_MAP, prefix) ? prefix : null;
}

/**
 * A folder source. Layout: one subfolder per category (deeper folders give the subcategory); or fLoc,
 * recognised when every top-level folder is a fLoc subcategory, or the top level holds only `sub-N.ext`
 * files with fLoc prefixes. `map` renames top-level folders (or fLoc subcategories) to categories.
 */
export async function scanFolder(root: string, map: Readonly<Record<string, string>> = {}, confinement = Confinement.none): Promise<SourceScan> {
  const problems: StimulusProblem[] = [];
  const files: { path: string; parts: string[] }[] = [];
  await walk(root, [], { problems, ancestors: new Set(), confinement }, files);

  const topFolders = new Set(files.filter((f) => f.parts.length > 0).map((f) => f.parts[0]!));
  const topFiles = files.filter((f) => f.parts.length === 0);
  // Own keys only: a folder named 'constructor' or '__proto__' is not a fLoc subcategory.
  const isFlocName = (name: string) => Object.hasOwn(FLOC_CATEGORY_MAP, name.toLowerCase());
  const flocFolders = topFolders.size > 0 && [...topFolders].every(isFlocName) && topFiles.length === 0;
  const flocFlat = topFolders.size === 0 && topFiles.length > 0 && topFiles.every((f) => flocPrefix(basename(f.path)) !== null);
  const floc = flocFolders || flocFlat;
  const flocMap = { ...FLOC_CATEGORY_MAP, ...map };

  const candidates: Candidate[] = [];
  for (const file of files) {
    if (flocFlat) {
      const sub = flocPrefix(basename(file.path))!;
      candidates.push({ absolutePath: file.path, category: flocMap[sub]!, subcategory: sub });
      continue;
    }
    if (file.parts.length === 0) {
      problems.push({ file: file.path, reason: 'file is in no category folder (put it in a subfolder named after its category)', severity: 'error' });
      continue;
    }
    const top = file.parts[0]!;
    const nested = file.parts.slice(1).join('/');
    if (floc) {
      const sub = top.toLowerCase();
      candidates.push({ absolutePath: file.path, category: flocMap[sub]!, subcategory: nested ? `${sub}/${nested}` : sub });
    } else {
      const mapped = Object.hasOwn(map, top) ? map[top] : undefined;
      const subcategory = mapped !== undefined ? (nested ? `${top}/${nested}` : top) : nested || null;
      candidates.push({ absolutePath: file.path, category: mapped ?? top, subcategory });
    }
  }
  const roles = new Map<string, { role: CategoryRole; controlsFor: string | null }>();
  if (floc && candidates.some((c) => c.category === flocMap.scrambled)) roles.set(flocMap.scrambled!, { role: 'control', controlsFor: null });
  return { layout: floc ? 'floc' : 'folders', root, candidates, problems, roles };
}

const ROLES = new Set(['target', 'control']);

/**
 * A CSV or TSV manifest: columns `stim_file` or `path`, `category`, optional `subcategory`, `role`,
 * `controls_for`. Relative paths are relative to the manifest's folder, and every row must name a file
 * under that folder (or, in serve mode, under a shared folder): a manifest someone sent cannot pull in
 * files from elsewhere. The check comes before anything is read, so a refused row never tells whether
 * its file exists.
 */
export async function scanManifest(manifest: string, map: Readonly<Record<string, string>> = {}, confinement = Confinement.none): Promise<SourceScan> {
  const text = await readFile(manifest, 'utf8');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = extname(manifest).toLowerCase() === '.tsv' || firstLine.includes('\t') ? '\t' : ',';
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), delimiter, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new ManifestError(`${manifest}: not a readable CSV/TSV manifest (${(error as Error).message})`);
  }
  const columns = rows.length > 0 ? Object.keys(rows[0]!) : firstLine.split(delimiter).map((h) => h.trim().toLowerCase());
  const pathColumn = columns.includes('stim_file') ? 'stim_file' : columns.includes('path') ? 'path' : null;
  if (pathColumn === null || !columns.includes('category')) {
    throw new ManifestError(`${manifest}: a manifest needs a 'stim_file' (or 'path') column and a 'category' column; found ${columns.join(', ') || 'no columns'}`);
  }
  const base = dirname(resolve(manifest));
  const realBase = resolveLinks(base);
  const allowed = (path: string) => isInsideFolder(realBase, resolveLinks(path)) || (confinement.active && confinement.allows(path));
  const problems: StimulusProblem[] = [];
  const candidates: Candidate[] = [];
  const roles = new Map<string, { role: CategoryRole; controlsFor: string | null }>();
  rows.forEach((row, i) => {
    const line = `${manifest}:${i + 2}`;
    const file = row[pathColumn] ?? '';
    const rawCategory = row.category ?? '';
    if (!file || !rawCategory) {
      problems.push({ file: line, reason: `row without ${!file ? pathColumn : 'category'}`, severity: 'error' });
      return;
    }
    const category = (Object.hasOwn(map, rawCategory) ? map[rawCategory] : undefined) ?? rawCategory;
    const role = row.role ? row.role.toLowerCase() : undefined;
    if (role !== undefined && !ROLES.has(role)) {
      problems.push({ file: line, reason: `role must be 'target' or 'control', got '${row.role}'`, severity: 'error' });
      return;
    }
    const absolutePath = resolve(base, file);
    if (!allowed(absolutePath)) {
      const where = confinement.active ? "the manifest's folder and the folders shared with `unitscope serve`" : "the manifest's folder";
      problems.push({ file: line, reason: `${quoted(file)} is outside ${where}`, severity: 'error' });
      return;
    }
    const candidate: Candidate = { absolutePath, category, subcategory: row.subcategory || null };
    if (role !== undefined) {
      const controlsFor = row.controls_for || null;
      candidate.role = role as CategoryRole;
      candidate.controlsFor = controlsFor;
      roles.set(category, { role: role as CategoryRole, controlsFor });
    }
    candidates.push(candidate);
  });
  return { layout: 'manifest', root: base, candidates, problems, roles };
}

export class ManifestError extends Error {}

/** A folder or a manifest file, by what is at `source`. */
export async function scanSource(source: string, map: Readonly<Record<string, string>> = {}, confinement = Confinement.none): Promise<SourceScan> {
  const full = resolve(source);
  const info = await stat(full);
  if (info.isDirectory()) return scanFolder(full, map, confinement);
  if (!info.isFile()) throw new ManifestError(`${full}: neither a folder nor a manifest file`);
  return scanManifest(full, map, confinement);
}

/**
 * `scrambled_scenes`, `scrambled-words`, `scrambledfaces`, `scrambled`: a category named like a scrambled
 * control is a control, standing for the category its name ends with when that one exists (fLoc's plain
 * `scrambled` stands for none). Returns undefined for other names.
 */
export function guessScrambledControl(name: string, known: ReadonlySet<string>): { role: CategoryRole; controlsFor: string | null } | undefined {
  const match = /^scrambled?[_-]?(.*)$/i.exec(name);
  if (!match) return undefined;
  const target = match[1] ?? '';
  return { role: 'control', controlsFor: target !== '' && target !== name && known.has(target) ? target : null };
}
