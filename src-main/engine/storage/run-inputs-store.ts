// What a run froze of its inputs when it started (m040-results): its layers, categories and images, so
// later edits of the model or the stimulus set never change what a finished run means.
import type { CategoryDef, TapShape } from '../pipeline-types.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';
import { rowOfTap, TAP_COLUMNS, tapOfRow, type StoredTap } from './tap-rows.ts';

export type RunCategory = CategoryDef & { images: number };

/** An image of a run, in extraction order, with the sha256 the run recorded for it. */
export interface RunImage {
  imageId: number;
  category: number;
  sha256: string;
}

export function insertRunLayers(db: Db, runId: number, taps: readonly TapShape[]): void {
  const insert = statement(db, `INSERT INTO run_layers (run_id, position, ${TAP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  taps.forEach((t, i) => insert.run(runId, i, ...rowOfTap(t)));
}

export function readRunLayers(db: Db, runId: number): TapShape[] {
  return statement<[number], StoredTap>(db, `SELECT ${TAP_COLUMNS} FROM run_layers WHERE run_id = ? ORDER BY position`).all(runId).map(tapOfRow);
}

export function insertRunCategories(db: Db, runId: number, categories: readonly RunCategory[]): void {
  const insert = statement(db, 'INSERT INTO run_categories (run_id, position, name, role, controls_for, images) VALUES (?, ?, ?, ?, ?, ?)');
  categories.forEach((c, i) => insert.run(runId, i, c.name, c.role, c.controlsFor, c.images));
}

export function readRunCategories(db: Db, runId: number): RunCategory[] {
  return statement<[number], RunCategory>(db, 'SELECT name, role, controls_for AS controlsFor, images FROM run_categories WHERE run_id = ? ORDER BY position').all(runId);
}

export function insertRunImages(db: Db, runId: number, images: readonly RunImage[]): void {
  const insert = statement(db, 'INSERT INTO run_images (run_id, position, image_id, category, sha256) VALUES (?, ?, ?, ?, ?)');
  images.forEach((img, i) => insert.run(runId, i, img.imageId, img.category, img.sha256));
}

export function readRunImages(db: Db, runId: number): RunImage[] {
  return statement<[number], RunImage>(db, 'SELECT image_id AS imageId, category, sha256 FROM run_images WHERE run_id = ? ORDER BY position').all(runId);
}
