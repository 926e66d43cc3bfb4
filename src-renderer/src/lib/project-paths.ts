// Paths the renderer derives from a project's file path without asking the engine: the NAME.files
// folder beside NAME.unitscope holds the files the project owns (engine/project.ts `filesDir`).
import { NAME_MAX_LENGTH } from '../../../src-main/contract/names.ts';

const SEPARATOR = /[/\\]/;

export function projectFilesDir(projectPath: string): string {
  const sep = projectPath.includes('\\') && !projectPath.includes('/') ? '\\' : '/';
  const parts = projectPath.split(SEPARATOR);
  const file = parts.pop() ?? '';
  const base = file.replace(/\.unitscope$/, '');
  return [...parts, `${base}.files`].join(sep);
}

export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}

export function modelNameFromFile(file: string): string {
  const base = (file.split(SEPARATOR).pop() ?? '').replace(/\.onnx$/i, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, NAME_MAX_LENGTH);
}
