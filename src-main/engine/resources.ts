// Finds a file shipped under resources/ from the source tree, a bundled build or an Electron app's
// resources folder (UNITSCOPE_RESOURCES overrides all three).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from './errors.ts';

export function findResource(...parts: string[]): string {
  const candidates: string[] = [];
  const envDir = process.env.UNITSCOPE_RESOURCES;
  if (envDir) candidates.push(join(envDir, ...parts));
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(join(resourcesPath, ...parts), join(resourcesPath, 'resources', ...parts));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', ...parts));
    dir = resolve(dir, '..');
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new EngineError('internal', `resources/${parts.join('/')} was not found; looked in ${candidates.join(', ')}`);
  return found;
}
