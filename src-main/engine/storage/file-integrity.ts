// The cheap check of a project file at every open (docs/storage.md "Damage and recovery"): the SQLite
// header's fields, the file size against the page count the header records, and the first byte of every
// table's and index's root page. It reads the 100-byte header and one page per b-tree (a few dozen pages,
// whatever the file's size), so it catches a truncated file or a zeroed or overwritten run of pages at
// the file's start or on a root page before anything reads or writes; damage inside data pages is caught
// by the checksums when that data is read (blobs.ts) and by `project check` (project-check.ts).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Db } from './database.ts';

const HEADER_BYTES = 100;
/** Page types a b-tree root can have: interior/leaf index (2, 10), interior/leaf table (5, 13). */
const BTREE_PAGE_TYPES = new Set([2, 5, 10, 13]);

export interface FileHeader {
  pageSize: number;
  /** Pages the header says the file has, or null when SQLite would not trust that field either. */
  pageCount: number | null;
}

export function walHasContent(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/** What is wrong with the header of the SQLite file at `path` (empty when nothing is), and its page size. */
export function headerProblems(path: string): { header: FileHeader | null; problems: string[] } {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  let bytes: Buffer;
  try {
    bytes = readAt(fd, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  // With changes still in the WAL the file's own header may be stale (a new project's is blank until the
  // first checkpoint): SQLite reads page 1 from the WAL then, and so the header is judged at the next open.
  if (walHasContent(path)) return { header: null, problems: [] };
  if (bytes.length < HEADER_BYTES) return { header: null, problems: [`the file is cut short: ${size} bytes, shorter than an SQLite header`] };
  const problems: string[] = [];
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return { header: null, problems: [`the SQLite header is damaged (page size ${rawPageSize})`] };
  if (bytes[21] !== 64 || bytes[22] !== 32 || bytes[23] !== 32) problems.push('the SQLite header is damaged (payload fractions)');
  const encoding = bytes.readUInt32BE(56);
  if (encoding < 1 || encoding > 3) problems.push(`the SQLite header is damaged (text encoding ${encoding})`);
  // SQLite trusts the header's page count only when the change counter matches "version valid for".
  const counted = bytes.readUInt32BE(28);
  const pageCount = counted > 0 && bytes.readUInt32BE(24) === bytes.readUInt32BE(92) ? counted : null;
  if (size % pageSize !== 0) problems.push(`the file is cut short or extended: ${size} bytes is not a whole number of ${pageSize}-byte pages`);
  if (pageCount !== null && size < pageCount * pageSize) {
    problems.push(`the file is cut short: ${Math.floor(size / pageSize)} of its ${pageCount} pages are there`);
  }
  const pages = pageCount ?? Math.floor(size / pageSize);
  const freelistTrunk = bytes.readUInt32BE(32);
  if (freelistTrunk > pages) problems.push(`the SQLite header is damaged (free-list page ${freelistTrunk} of ${pages})`);
  return { header: { pageSize, pageCount }, problems };
}

/**
 * Root pages that are not b-tree pages (a zeroed or overwritten page), read straight from the file. Only
 * when no WAL holds newer copies of pages (headerProblems gives no header then): the file is what SQLite reads.
 */
export function rootPageProblems(db: Db, path: string, header: FileHeader): string[] {
  const roots = db.prepare('SELECT type, name, rootpage FROM sqlite_schema WHERE rootpage > 0 ORDER BY rootpage').all() as { type: string; name: string; rootpage: number }[];
  const problems: string[] = [];
  const fd = openSync(path, 'r');
  try {
    for (const root of [{ type: 'table', name: 'sqlite_schema', rootpage: 1 }, ...roots]) {
      const offset = (root.rootpage - 1) * header.pageSize + (root.rootpage === 1 ? HEADER_BYTES : 0);
      const flag = readAt(fd, 1, offset)[0];
      if (flag === undefined) problems.push(`page ${root.rootpage}, the root of ${root.type} ${root.name}, is past the end of the file`);
      else if (!BTREE_PAGE_TYPES.has(flag)) problems.push(`page ${root.rootpage}, the root of ${root.type} ${root.name}, is not a b-tree page`);
    }
  } finally {
    closeSync(fd);
  }
  return problems;
}
