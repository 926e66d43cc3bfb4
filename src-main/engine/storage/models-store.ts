// The model library's tables (m010-core): models and their taps. Paths are stored relative to the
// project's folder when the file lies inside it, so a project folder can be moved as a whole; rows come
// out with absolute paths and parsed preprocessing.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { preprocessingSchema, type Preprocessing } from '../../contract/preprocessing.ts';
import type { TapShape } from '../pipeline-types.ts';
import type { Db } from './database.ts';
import { parseJsonColumn } from './json-columns.ts';
import { statement } from './statements.ts';
import { rowOfTap, TAP_COLUMNS, tapOfRow, type StoredTap } from './tap-rows.ts';

export type ModelStorage = 'referenced' | 'copied' | 'generated' | 'downloaded';
type OutputKind = 'classifier' | 'embedding' | 'unknown';

/** What the library knows of a model file: its bytes and what inspecting it found. */
export interface ModelFileRecord {
  sha256: string;
  bytes: number;
  inputName: string;
  outputKind: OutputKind;
  taps: TapShape[];
}

export interface ModelRow extends ModelFileRecord {
  id: number;
  name: string;
  /** Absolute path. */
  path: string;
  storage: ModelStorage;
  source: string | null;
  preprocessing: Preprocessing;
  addedAt: string;
}

function toStored(projectPath: string, path: string): string {
  const base = dirname(projectPath);
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

function fromStored(projectPath: string, stored: string): string {
  return isAbsolute(stored) ? stored : resolve(dirname(projectPath), stored);
}

function insertTaps(db: Db, modelId: number, taps: readonly TapShape[]): void {
  const insert = statement(db, `INSERT INTO taps (model_id, position, ${TAP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  taps.forEach((t, i) => insert.run(modelId, i, ...rowOfTap(t)));
}

export function insertModel(db: Db, projectPath: string, row: Omit<ModelRow, 'id'>): number {
  return db.transaction(() => {
    const info = statement(
      db,
      `INSERT INTO models (name, path, storage, sha256, bytes, source, preprocessing, input_name, output_kind, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(row.name, toStored(projectPath, row.path), row.storage, row.sha256, row.bytes, row.source, JSON.stringify(row.preprocessing), row.inputName, row.outputKind, row.addedAt);
    const id = Number(info.lastInsertRowid);
    insertTaps(db, id, row.taps);
    return id;
  })();
}

/** Records what the model's file holds now (`model refresh`): its hash, size, input and taps. */
export function updateModelFile(db: Db, id: number, file: ModelFileRecord): void {
  db.transaction(() => {
    statement(db, 'UPDATE models SET sha256 = ?, bytes = ?, input_name = ?, output_kind = ? WHERE id = ?').run(file.sha256, file.bytes, file.inputName, file.outputKind, id);
    statement(db, 'DELETE FROM taps WHERE model_id = ?').run(id);
    insertTaps(db, id, file.taps);
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

function toRow(db: Db, projectPath: string, s: Stored): ModelRow {
  return {
    id: s.id,
    name: s.name,
    path: fromStored(projectPath, s.path),
    storage: s.storage,
    sha256: s.sha256,
    bytes: s.bytes,
    source: s.source,
    preprocessing: parseJsonColumn(preprocessingSchema, s.preprocessing, `${projectPath}: the preprocessing of model '${s.name}'`),
    inputName: s.input_name,
    outputKind: s.output_kind,
    addedAt: s.added_at,
    taps: statement<[number], StoredTap>(db, `SELECT ${TAP_COLUMNS} FROM taps WHERE model_id = ? ORDER BY position, id`).all(s.id).map(tapOfRow),
  };
}

export function listModelRows(db: Db, projectPath: string): ModelRow[] {
  return statement<[], Stored>(db, 'SELECT * FROM models ORDER BY id')
    .all()
    .map((s) => toRow(db, projectPath, s));
}

export function getModelRow(db: Db, projectPath: string, name: string): ModelRow | undefined {
  const s = statement<[string], Stored>(db, 'SELECT * FROM models WHERE name = ?').get(name);
  return s ? toRow(db, projectPath, s) : undefined;
}

export function getModelById(db: Db, projectPath: string, id: number): ModelRow | undefined {
  const s = statement<[number], Stored>(db, 'SELECT * FROM models WHERE id = ?').get(id);
  return s ? toRow(db, projectPath, s) : undefined;
}

/**
 * Rewrites model paths for a project moving from `oldProjectPath` to `newProjectPath`: `map` takes the
 * old absolute path to the new one (files in the project's own folder follow it; others stay put).
 */
export function rebaseModelPaths(db: Db, oldProjectPath: string, newProjectPath: string, map: (absolutePath: string) => string): void {
  const rows = statement<[], { id: number; path: string }>(db, 'SELECT id, path FROM models').all();
  const update = statement<[string, number]>(db, 'UPDATE models SET path = ? WHERE id = ?');
  db.transaction(() => {
    for (const row of rows) update.run(toStored(newProjectPath, map(fromStored(oldProjectPath, row.path))), row.id);
  })();
}
