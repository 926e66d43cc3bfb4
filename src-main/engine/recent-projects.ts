// The list of recently opened projects, kept in a small JSON file in the user's config folder:
// $UNITSCOPE_HOME when set (tests and portable installs), else the usual per-OS app-data folder.
// The file is rewritten atomically (temp file + rename) so a crash never leaves half a list.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecentProject } from '../contract/types.ts';

export const MAX_RECENT = 20;

export function unitscopeHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.UNITSCOPE_HOME) return resolve(env.UNITSCOPE_HOME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Unitscope');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Unitscope');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'unitscope');
}

function recentFile(): string {
  return join(unitscopeHome(), 'recent-projects.json');
}

interface StoredEntry {
  path: string;
  name: string;
  openedAt: string;
}

function read(): StoredEntry[] {
  let text: string;
  try {
    text = readFileSync(recentFile(), 'utf8');
  } catch {
    return []; // no list yet
  }
  try {
    const parsed = JSON.parse(text) as { projects?: unknown };
    if (!Array.isArray(parsed.projects)) return [];
    return parsed.projects.filter(
      (e): e is StoredEntry => typeof e === 'object' && e !== null && typeof e.path === 'string' && typeof e.name === 'string' && typeof e.openedAt === 'string',
    );
  } catch {
    return []; // a damaged list is not worth failing an open for; it is rewritten on the next open
  }
}

function write(entries: StoredEntry[]): void {
  const file = recentFile();
  mkdirSync(unitscopeHome(), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ version: 1, projects: entries.slice(0, MAX_RECENT) }, null, 2)}\n`);
  renameSync(temp, file);
}

/** Most recent first, each with whether its file still exists. */
export function listRecentProjects(): RecentProject[] {
  return read().map((e) => ({ ...e, exists: existsSync(e.path) }));
}

export function recordRecentProject(path: string, name: string): void {
  const full = resolve(path);
  write([{ path: full, name, openedAt: new Date().toISOString() }, ...read().filter((e) => e.path !== full)]);
}

export function forgetRecentProject(path: string): void {
  const full = resolve(path);
  const entries = read();
  if (entries.some((e) => e.path === full)) write(entries.filter((e) => e.path !== full));
}

/** After a rename: the entry keeps its place with the new path and name. */
export function renameRecentProject(from: string, to: string, name: string): void {
  const source = resolve(from);
  write(read().map((e) => (e.path === source ? { ...e, path: resolve(to), name } : e)));
}
