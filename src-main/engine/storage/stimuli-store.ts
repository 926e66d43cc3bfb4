// The stimulus set's records: categories, images and thumbnails (tables from m010-core). SQL lives here
// only. Image paths are stored relative to the folder holding the project file when they are inside it
// (so a project folder moves as a whole), else absolute; `baseDir` below is that folder.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CategoryRole, ImageRecord, ImageStatus, ImageStorage } from '../../contract/types.ts';
import type { CategoryDef, StimulusRef } from '../pipeline-types.ts';
import type { Db } from './database.ts';

export interface CategoryRow {
  id: number;
  name: string;
  role: CategoryRole;
  controlsFor: string | null;
  position: number;
}

export interface NewImage {
  categoryId: number;
  subcategory: string | null;
  /** Absolute path of the file. */
  absolutePath: string;
  storage: ImageStorage;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  channels: number;
  format: string;
}

export interface StoredThumbnail {
  width: number;
  height: number;
  mime: string;
  data: Buffer;
}

/** The stored form of an absolute path: relative to baseDir when inside it, with '/' separators. */
export function toStoredPath(baseDir: string, absolutePath: string): string {
  const rel = relative(baseDir, absolutePath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolutePath;
  return rel.split(sep).join('/');
}

export function toAbsolutePath(baseDir: string, storedPath: string): string {
  return isAbsolute(storedPath) ? storedPath : resolve(baseDir, storedPath);
}

export function listCategoryRows(db: Db): CategoryRow[] {
  return db
    .prepare('SELECT id, name, role, controls_for AS controlsFor, position FROM categories ORDER BY position, id')
    .all() as CategoryRow[];
}

export function findCategory(db: Db, name: string): CategoryRow | undefined {
  return db.prepare('SELECT id, name, role, controls_for AS controlsFor, position FROM categories WHERE name = ?').get(name) as
    | CategoryRow
    | undefined;
}

/** The category's id, creating it at the end of the order when new; role and controls_for are updated
 * when given (a re-import may mark a category as a control). */
export function ensureCategory(db: Db, name: string, role?: CategoryRole, controlsFor?: string | null): number {
  const existing = findCategory(db, name);
  if (existing) {
    if (role !== undefined && (role !== existing.role || (controlsFor ?? null) !== existing.controlsFor)) {
      db.prepare('UPDATE categories SET role = ?, controls_for = ? WHERE id = ?').run(role, controlsFor ?? null, existing.id);
    }
    return existing.id;
  }
  const position = (db.prepare('SELECT COALESCE(MAX(position), -1) + 1 AS p FROM categories').get() as { p: number }).p;
  const info = db
    .prepare('INSERT INTO categories (name, role, controls_for, position) VALUES (?, ?, ?, ?)')
    .run(name, role ?? 'target', controlsFor ?? null, position);
  return Number(info.lastInsertRowid);
}

export interface ImageKey {
  id: number;
  path: string;
  sha256: string;
  status: ImageStatus;
  categoryId: number;
}

export function listImageKeys(db: Db): ImageKey[] {
  return db.prepare('SELECT id, path, sha256, status, category_id AS categoryId FROM images').all() as ImageKey[];
}

export function insertImage(db: Db, baseDir: string, image: NewImage): number {
  const info = db
    .prepare(
      `INSERT INTO images (category_id, subcategory, path, storage, sha256, bytes, width, height, channels, format, status, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?)`,
    )
    .run(
      image.categoryId,
      image.subcategory,
      toStoredPath(baseDir, image.absolutePath),
      image.storage,
      image.sha256,
      image.bytes,
      image.width,
      image.height,
      image.channels,
      image.format,
      new Date().toISOString(),
    );
  return Number(info.lastInsertRowid);
}

/** A re-imported file whose content changed: new hash and header, status back to ok. */
export function updateImageContent(db: Db, id: number, image: NewImage): void {
  db.prepare(
    `UPDATE images SET category_id = ?, subcategory = ?, sha256 = ?, bytes = ?, width = ?, height = ?, channels = ?, format = ?, status = 'ok'
     WHERE id = ?`,
  ).run(image.categoryId, image.subcategory, image.sha256, image.bytes, image.width, image.height, image.channels, image.format, id);
}

export function setImageStatus(db: Db, id: number, status: ImageStatus): void {
  db.prepare('UPDATE images SET status = ? WHERE id = ?').run(status, id);
}

export function putThumbnail(db: Db, imageId: number, thumbnail: StoredThumbnail): void {
  db.prepare(
    `INSERT INTO thumbnails (image_id, width, height, mime, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(image_id) DO UPDATE SET width = excluded.width, height = excluded.height, mime = excluded.mime, data = excluded.data`,
  ).run(imageId, thumbnail.width, thumbnail.height, thumbnail.mime, thumbnail.data);
}

export function getThumbnails(db: Db, imageIds: readonly number[]): Map<number, StoredThumbnail> {
  const statement = db.prepare('SELECT width, height, mime, data FROM thumbnails WHERE image_id = ?');
  const result = new Map<number, StoredThumbnail>();
  for (const id of imageIds) {
    const row = statement.get(id) as StoredThumbnail | undefined;
    if (row) result.set(id, row);
  }
  return result;
}

/** An image as stored: the record without the resolved absolute path. */
type ImageRow = Omit<ImageRecord, 'absolutePath'>;

const IMAGE_SELECT = `SELECT i.id, i.path, c.name AS category, i.subcategory, i.storage, i.sha256, i.bytes, i.width, i.height,
  i.channels, i.format, i.status FROM images i JOIN categories c ON c.id = i.category_id`;

export interface ImageQuery {
  category?: string;
  offset?: number;
  limit?: number;
}

/** Image records in category order then id order, optionally one category and one page. */
export function listImages(db: Db, baseDir: string, query: ImageQuery = {}): { total: number; images: ImageRecord[] } {
  const where = query.category !== undefined ? ' WHERE c.name = ?' : '';
  const params: unknown[] = query.category !== undefined ? [query.category] : [];
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM images i JOIN categories c ON c.id = i.category_id${where}`).get(...params) as { n: number })
    .n;
  const rows = db
    .prepare(`${IMAGE_SELECT}${where} ORDER BY c.position, c.id, i.id LIMIT ? OFFSET ?`)
    .all(...params, query.limit ?? -1, query.offset ?? 0) as ImageRow[];
  return { total, images: rows.map((row) => ({ ...row, absolutePath: toAbsolutePath(baseDir, row.path) })) };
}

/**
 * What a run needs: the categories in run order (index k = position in the list) and every image that is
 * not missing, with its absolute path and category index. Images are in category order, then id order.
 */
export function listStimuliForRun(db: Db, baseDir: string): { categories: CategoryDef[]; images: StimulusRef[] } {
  const rows = listCategoryRows(db);
  const index = new Map(rows.map((row, k) => [row.id, k]));
  const categories = rows.map((row) => ({ name: row.name, role: row.role, controlsFor: row.controlsFor }));
  const images = (
    db
      .prepare(
        `SELECT i.id, i.path, i.category_id AS categoryId FROM images i JOIN categories c ON c.id = i.category_id
         WHERE i.status != 'missing' ORDER BY c.position, c.id, i.id`,
      )
      .all() as { id: number; path: string; categoryId: number }[]
  ).map((row) => ({ id: row.id, path: toAbsolutePath(baseDir, row.path), category: index.get(row.categoryId)! }));
  return { categories, images };
}

/** Groups of images sharing one sha256 (more than one member), for the duplicate check. */
export function duplicateImageGroups(db: Db, baseDir: string): { sha256: string; paths: { path: string; category: string }[] }[] {
  const rows = db
    .prepare(
      `SELECT i.sha256, i.path, c.name AS category FROM images i JOIN categories c ON c.id = i.category_id
       WHERE i.status != 'missing' AND i.sha256 IN (SELECT sha256 FROM images WHERE status != 'missing' GROUP BY sha256 HAVING COUNT(*) > 1)
       ORDER BY i.sha256, i.id`,
    )
    .all() as { sha256: string; path: string; category: string }[];
  const groups = new Map<string, { path: string; category: string }[]>();
  for (const row of rows) {
    const list = groups.get(row.sha256) ?? [];
    list.push({ path: toAbsolutePath(baseDir, row.path), category: row.category });
    groups.set(row.sha256, list);
  }
  return [...groups].map(([sha256, paths]) => ({ sha256, paths }));
}

/** Rewrites every stored image path through `map` (absolute in, absolute out), storing it against
 * `newBaseDir`: used when a project file moves (rename to another folder, duplicate). */
export function rebaseImagePaths(db: Db, oldBaseDir: string, newBaseDir: string, map: (absolutePath: string) => string): void {
  const rows = db.prepare('SELECT id, path FROM images').all() as { id: number; path: string }[];
  const update = db.prepare('UPDATE images SET path = ? WHERE id = ?');
  db.transaction(() => {
    for (const row of rows) update.run(toStoredPath(newBaseDir, map(toAbsolutePath(oldBaseDir, row.path))), row.id);
  })();
}

/** Writes a consistent copy of the open database to `target` (SQLite VACUUM INTO: one file, no WAL). */
export function copyDatabaseTo(db: Db, target: string): void {
  db.prepare('VACUUM INTO ?').run(target);
}

export function integrityCheck(db: Db): string {
  return (db.pragma('integrity_check', { simple: true }) as string) ?? 'no result';
}
