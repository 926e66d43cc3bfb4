// The stimulus set's tables (m010-core): categories, images and thumbnails. Image paths are stored
// relative to the folder holding the project file when they are inside it (so a project folder moves as
// a whole), else absolute; `baseDir` below is that folder. Everything returned carries absolute paths.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CategoryInfo, CategoryRole, ImageRecord, ImageStatus, ImageStorage } from '../../contract/types.ts';
import type { CategoryDef, StimulusRef } from '../pipeline-types.ts';
import type { Db } from './database.ts';
import { statement } from './statements.ts';

export interface CategoryRow {
  id: number;
  name: string;
  role: CategoryRole;
  controlsFor: string | null;
  position: number;
}

/** What reading an image file tells about it: its bytes' hash and its header. */
export type ImageContent = Pick<ImageRecord, 'sha256' | 'bytes' | 'width' | 'height' | 'channels' | 'format'>;

export interface NewImage extends ImageContent {
  categoryId: number;
  subcategory: string | null;
  /** Absolute path of the file. */
  absolutePath: string;
  storage: ImageStorage;
}

export interface StoredThumbnail {
  width: number;
  height: number;
  mime: string;
  data: Buffer;
}

/** The stored form of an absolute path: relative to baseDir when inside it, with '/' separators. */
function toStoredPath(baseDir: string, absolutePath: string): string {
  const rel = relative(baseDir, absolutePath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolutePath;
  return rel.split(sep).join('/');
}

function toAbsolutePath(baseDir: string, storedPath: string): string {
  return isAbsolute(storedPath) ? storedPath : resolve(baseDir, storedPath);
}

// ---- categories ------------------------------------------------------------------------------------

const CATEGORY_SELECT = 'SELECT id, name, role, controls_for AS controlsFor, position FROM categories';

export function listCategoryRows(db: Db): CategoryRow[] {
  return statement<[], CategoryRow>(db, `${CATEGORY_SELECT} ORDER BY position, id`).all();
}

export function findCategory(db: Db, name: string): CategoryRow | undefined {
  return statement<[string], CategoryRow>(db, `${CATEGORY_SELECT} WHERE name = ?`).get(name);
}

/** The categories in order with their counts of images that are not missing. */
export function listCategories(db: Db): CategoryInfo[] {
  return statement<[], CategoryInfo>(
    db,
    `SELECT c.name, c.role, c.controls_for AS controlsFor, COUNT(i.id) AS images
     FROM categories c LEFT JOIN images i ON i.category_id = c.id AND i.status != 'missing'
     GROUP BY c.id ORDER BY c.position, c.id`,
  ).all();
}

/** The category's id, creating it at the end of the order when new; role and controls_for are updated
 * when given (a re-import may mark a category as a control). */
export function ensureCategory(db: Db, name: string, role?: CategoryRole, controlsFor?: string | null): number {
  const existing = findCategory(db, name);
  if (existing) {
    if (role !== undefined && (role !== existing.role || (controlsFor ?? null) !== existing.controlsFor)) {
      statement<[CategoryRole, string | null, number]>(db, 'UPDATE categories SET role = ?, controls_for = ? WHERE id = ?').run(role, controlsFor ?? null, existing.id);
    }
    return existing.id;
  }
  const position = statement<[], { p: number }>(db, 'SELECT COALESCE(MAX(position), -1) + 1 AS p FROM categories').get()!.p;
  const info = statement<[string, CategoryRole, string | null, number]>(db, 'INSERT INTO categories (name, role, controls_for, position) VALUES (?, ?, ?, ?)').run(
    name,
    role ?? 'target',
    controlsFor ?? null,
    position,
  );
  return Number(info.lastInsertRowid);
}

// ---- images ----------------------------------------------------------------------------------------

export interface ImageKey {
  id: number;
  /** Absolute path. */
  path: string;
  sha256: string;
  status: ImageStatus;
  categoryId: number;
}

export function listImageKeys(db: Db, baseDir: string): ImageKey[] {
  return statement<[], ImageKey>(db, 'SELECT id, path, sha256, status, category_id AS categoryId FROM images')
    .all()
    .map((row) => ({ ...row, path: toAbsolutePath(baseDir, row.path) }));
}

export function insertImage(db: Db, baseDir: string, image: NewImage): number {
  const info = statement(
    db,
    `INSERT INTO images (category_id, subcategory, path, storage, sha256, bytes, width, height, channels, format, status, added_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?)`,
  ).run(
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

/** A re-imported file whose content changed: new category, hash and header, status back to ok. */
export function updateImageContent(db: Db, id: number, image: NewImage): void {
  statement(db, 'UPDATE images SET category_id = ?, subcategory = ? WHERE id = ?').run(image.categoryId, image.subcategory, id);
  recordImageContent(db, id, image);
}

/** Records what the file holds now (after `stimuli check --update`): new hash and header, status ok. */
export function recordImageContent(db: Db, id: number, content: ImageContent): void {
  statement(db, `UPDATE images SET sha256 = ?, bytes = ?, width = ?, height = ?, channels = ?, format = ?, status = 'ok' WHERE id = ?`).run(
    content.sha256,
    content.bytes,
    content.width,
    content.height,
    content.channels,
    content.format,
    id,
  );
}

export function setImageStatus(db: Db, id: number, status: ImageStatus): void {
  statement<[ImageStatus, number]>(db, 'UPDATE images SET status = ? WHERE id = ?').run(status, id);
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
  const total = statement<unknown[], { n: number }>(db, `SELECT COUNT(*) AS n FROM images i JOIN categories c ON c.id = i.category_id${where}`).get(...params)!.n;
  const rows = statement<unknown[], ImageRow>(db, `${IMAGE_SELECT}${where} ORDER BY c.position, c.id, i.id LIMIT ? OFFSET ?`).all(...params, query.limit ?? -1, query.offset ?? 0);
  return { total, images: rows.map((row) => ({ ...row, absolutePath: toAbsolutePath(baseDir, row.path) })) };
}

/** The file behind an image record and what the project recorded of it. */
export interface ImageFile {
  /** Absolute path. */
  path: string;
  sha256: string;
  status: ImageStatus;
}

export function readImageFiles(db: Db, baseDir: string, ids: readonly number[]): Map<number, ImageFile> {
  const select = statement<[number], ImageFile>(db, 'SELECT path, sha256, status FROM images WHERE id = ?');
  const out = new Map<number, ImageFile>();
  for (const id of ids) {
    const row = select.get(id);
    if (row) out.set(id, { ...row, path: toAbsolutePath(baseDir, row.path) });
  }
  return out;
}

/** A stimulus as a new run takes it: where it is, its category index and the sha256 the project recorded. */
export interface RunnableImage extends StimulusRef {
  sha256: string;
}

/**
 * What a run needs: the categories in run order (index k = position in the list) and every image that is
 * not missing, with its absolute path, category index and sha256. Images are in category order, then id.
 */
export function listStimuliForRun(db: Db, baseDir: string): { categories: CategoryDef[]; images: RunnableImage[] } {
  const rows = listCategoryRows(db);
  const index = new Map(rows.map((row, k) => [row.id, k]));
  const categories = rows.map((row) => ({ name: row.name, role: row.role, controlsFor: row.controlsFor }));
  const images = statement<[], { id: number; path: string; sha256: string; categoryId: number }>(
    db,
    `SELECT i.id, i.path, i.sha256, i.category_id AS categoryId FROM images i JOIN categories c ON c.id = i.category_id
     WHERE i.status != 'missing' ORDER BY c.position, c.id, i.id`,
  )
    .all()
    .map((row) => ({ id: row.id, path: toAbsolutePath(baseDir, row.path), sha256: row.sha256, category: index.get(row.categoryId)! }));
  return { categories, images };
}

/** Groups of images sharing one sha256 (more than one member), for the duplicate check. */
export function duplicateImageGroups(db: Db, baseDir: string): { sha256: string; paths: { path: string; category: string }[] }[] {
  const rows = statement<[], { sha256: string; path: string; category: string }>(
    db,
    `SELECT i.sha256, i.path, c.name AS category FROM images i JOIN categories c ON c.id = i.category_id
     WHERE i.status != 'missing' AND i.sha256 IN (SELECT sha256 FROM images WHERE status != 'missing' GROUP BY sha256 HAVING COUNT(*) > 1)
     ORDER BY i.sha256, i.id`,
  ).all();
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
  const rows = statement<[], { id: number; path: string }>(db, 'SELECT id, path FROM images').all();
  const update = statement<[string, number]>(db, 'UPDATE images SET path = ? WHERE id = ?');
  db.transaction(() => {
    for (const row of rows) update.run(toStoredPath(newBaseDir, map(toAbsolutePath(oldBaseDir, row.path))), row.id);
  })();
}

// ---- thumbnails ------------------------------------------------------------------------------------

export function putThumbnail(db: Db, imageId: number, thumbnail: StoredThumbnail): void {
  statement(
    db,
    `INSERT INTO thumbnails (image_id, width, height, mime, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(image_id) DO UPDATE SET width = excluded.width, height = excluded.height, mime = excluded.mime, data = excluded.data`,
  ).run(imageId, thumbnail.width, thumbnail.height, thumbnail.mime, thumbnail.data);
}

export function getThumbnails(db: Db, imageIds: readonly number[]): Map<number, StoredThumbnail> {
  const select = statement<[number], StoredThumbnail>(db, 'SELECT width, height, mime, data FROM thumbnails WHERE image_id = ?');
  const result = new Map<number, StoredThumbnail>();
  for (const id of imageIds) {
    const row = select.get(id);
    if (row) result.set(id, row);
  }
  return result;
}
