// The model library's rows: models and their taps (tables from m010-core). Paths are stored relative to
// the project's folder when the file lies inside it, so a project folder can be moved as a whole.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { TapShape } from '../pipeline-types.ts';
import { TAP_COLUMNS, tapOfRow, type StoredTap } from './tap-rows.ts';
import type { Db } from './database.ts';

export type ModelStorage = 'referenced' | 'copied' | 'generated' | 'downloaded';
export type OutputKind = 'classifier' | 'embedding' | 'unknown';

export interface ModelRow {
  id: number;
  name: string;
  /** Absolute path. */
  path: string;
  storage: ModelStorage;
  sha256: string;
  bytes: number;
  source: string | null;
  /** JSON of the Preprocessing settings. */
  preprocessing: string;
  inputName: string;
  outputKind: OutputKind;
  addedAt: string;
  taps: TapShape[];
}

function toStored(projectPath: string, path: string): string {
  const base = dirname(projectPath);
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

function fromStored(projectPath: string, stored: string): string {
  return isAbsolute(stored) ? stored : resolve(dirname(projectPath), stored);
}

export function insertModel(db: Db, projectPath: string, row: Omit<ModelRow, 'id'>): number {
  return db.transaction(() => {
    const info = db
      .prepare(
        `INSERT INTO models (name, path, storage, sha256, bytes, source, preprocessing, input_name, output_kind, added_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(row.name, toStored(projectPath, row.path), row.storage, row.sha256, row.bytes, row.source, row.preprocessing, row.inputName, row.outputKind, row.addedAt);
    const id = Number(info.lastInsertRowid);
    const tap = db.prepare('INSERT INTO taps (model_id, position, name, tensor, channels, height, width, layout, extra_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    row.taps.forEach((t, i) => tap.run(id, i, t.name, t.tensor, t.channels, t.height, t.width, t.layout ?? 'chw', t.extraTokens ?? 0));
    return id;
  })();
}

interface Stored {
  id: number;
  name: string;
  path: string;
  storage: ModelStorage;
  sha256: string;
  bytes: number;
  source: string | null;
  preprocessing: string;
  input_name: string;
  output_kind: OutputKind;
  added_at: string;
}

function tapsOf(db: Db, modelId: number): TapShape[] {
  return (db.prepare(`SELECT ${TAP_COLUMNS} FROM taps WHERE model_id = ? ORDER BY position`).all(modelId) as StoredTap[]).map(tapOfRow);
}

function toRow(db: Db, projectPath: string, s: Stored): ModelRow {
  return {
    id: s.id,
    name: s.name,
    path: fromStored(projectPath, s.path),
    storage: s.storage,
    sha256: s.sha256,
    bytes: s.bytes,
    source: s.source,
    preprocessing: s.preprocessing,
    inputName: s.input_name,
    outputKind: s.output_kind,
    addedAt: s.added_at,
    taps: tapsOf(db, s.id),
  };
}

export function listModelRows(db: Db, projectPath: string): ModelRow[] {
  return (db.prepare('SELECT * FROM models ORDER BY id').all() as Stored[]).map((s) => toRow(db, projectPath, s));
}

export function getModelRow(db: Db, projectPath: string, name: string): ModelRow | undefined {
  const s = db.prepare('SELECT * FROM models WHERE name = ?').get(name) as Stored | undefined;
  return s ? toRow(db, projectPath, s) : undefined;
}

/**
 * Rewrites model paths for a project moving from `oldProjectPath` to `newProjectPath`: `map` takes the
 * old absolute path to the new one (files in the project's own folder follow it; others stay put).
 */
export function rebaseModelPaths(db: Db, oldProjectPath: string, newProjectPath: string, map: (absolutePath: string) => string): void {
  const rows = db.prepare('SELECT id, path FROM models').all() as { id: number; path: string }[];
  const update = db.prepare('UPDATE models SET path = ? WHERE id = ?');
  db.transaction(() => {
    for (const row of rows) update.run(toStored(newProjectPath, map(fromStored(oldProjectPath, row.path))), row.id);
  })();
}
