// Validation of the recorded stimulus set: category sizes and balance, duplicates, and a rescan that
// finds files gone missing or changed since import (by sha256), and records changed ones on request.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CategoryInfo, StimuliCheckReport, StimulusProblem } from '../../contract/types.ts';
import type { Progress } from '../../contract/protocol.ts';
import { throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import { acquireWriteLock } from '../storage/project-lock.ts';
import { duplicateImageGroups, listCategories, listImages, putThumbnail, recordImageContent, setImageStatus, type ImageContent } from '../storage/stimuli-store.ts';
import { ImageDecodeError, makeThumbnail, readHeader, type Thumbnail } from './decode.ts';

export const MIN_CATEGORY_IMAGES = 10;
export const SMALL_IMAGE_PX = 64;
/** A category with fewer than this fraction of the largest category's images is reported as unbalanced. */
export const BALANCE_RATIO = 0.5;

export function categoryProblems(categories: readonly CategoryInfo[]): StimulusProblem[] {
  const problems: StimulusProblem[] = [];
  const largest = Math.max(0, ...categories.map((c) => c.images));
  for (const c of categories) {
    if (c.images < MIN_CATEGORY_IMAGES) {
      problems.push({ file: `category ${c.name}`, category: c.name, reason: `only ${c.images} images (at least ${MIN_CATEGORY_IMAGES} needed for stable statistics)`, severity: 'warning' });
    } else if (c.images < BALANCE_RATIO * largest) {
      problems.push({ file: `category ${c.name}`, category: c.name, reason: `unbalanced: ${c.images} images against ${largest} in the largest category`, severity: 'warning' });
    }
  }
  return problems;
}

/** A file as it is now: its bytes' hash, or the reason it cannot be read (null: not found). */
async function readNow(path: string): Promise<{ buffer: Buffer; sha256: string } | { missing: string }> {
  try {
    const buffer = await readFile(path);
    return { buffer, sha256: createHash('sha256').update(buffer).digest('hex') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { missing: code === 'ENOENT' ? 'missing (file not found)' : `unreadable (${code ?? (error as Error).message})` };
  }
}

export interface CheckOptions {
  /** Record what changed files hold now (hash, header, thumbnail) instead of only reporting them. */
  update?: boolean | undefined;
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
}

type Rescanned = { id: number; status: 'ok' | 'missing' | 'changed'; path: string; reason?: string; severity?: StimulusProblem['severity']; content?: ImageContent & { thumbnail: Thumbnail } };

/** What `--update` records for a changed file, or why it cannot (the file is no longer a usable image). */
async function newContent(buffer: Buffer, sha256: string): Promise<(ImageContent & { thumbnail: Thumbnail }) | { reason: string }> {
  try {
    const header = await readHeader(buffer);
    return { sha256, bytes: buffer.length, width: header.width, height: header.height, channels: header.channels, format: header.format, thumbnail: await makeThumbnail(buffer, header) };
  } catch (error) {
    if (error instanceof ImageDecodeError) return { reason: error.reason };
    throw error;
  }
}

/**
 * Rescans every image (exists? same sha256?), records the status, and reports every problem. With
 * `update`, a changed file's new hash, header and thumbnail are recorded (new runs then use and record
 * the new bytes; earlier runs keep the hashes they read and refuse per-image analyses of other bytes).
 */
export async function checkStimuli(project: Project, options: CheckOptions = {}): Promise<StimuliCheckReport> {
  const lock = options.update ? acquireWriteLock(project.path, 'updating the stimuli records') : null;
  try {
    return await rescan(project, options);
  } finally {
    lock?.release();
  }
}

async function rescan(project: Project, options: CheckOptions): Promise<StimuliCheckReport> {
  const baseDir = dirname(project.path);
  const { images } = listImages(project.db, baseDir);
  const meter = new ProgressMeter('check', images.length, options.progress ?? (() => {}), 'images');
  const statuses: Rescanned[] = [];
  const record = `unitscope stimuli check ${project.path} --update`;
  for (const image of images) {
    throwIfAborted(options.signal, 'the check');
    const now = await readNow(image.absolutePath);
    const base = { id: image.id, path: image.absolutePath };
    if ('missing' in now) statuses.push({ ...base, status: 'missing', reason: now.missing });
    else if (now.sha256 === image.sha256) statuses.push({ ...base, status: 'ok' });
    else if (!options.update) statuses.push({ ...base, status: 'changed', reason: `changed since import (different sha256); record its new contents with: ${record}` });
    else {
      const content = await newContent(now.buffer, now.sha256);
      if ('reason' in content) statuses.push({ ...base, status: 'changed', reason: `changed since import and no longer a usable image (${content.reason}); not updated` });
      else {
        const note = `updated: recorded its new contents (sha256 ${image.sha256.slice(0, 12)}… -> ${content.sha256.slice(0, 12)}…); earlier runs keep the old hash`;
        statuses.push({ ...base, status: 'ok', reason: note, severity: 'warning', content });
      }
    }
    meter.tick();
  }
  project.db.transaction(() => {
    for (const s of statuses) {
      if (s.content) {
        recordImageContent(project.db, s.id, s.content);
        putThumbnail(project.db, s.id, s.content.thumbnail);
      } else setImageStatus(project.db, s.id, s.status);
    }
  })();

  const problems: StimulusProblem[] = statuses.flatMap((s) => (s.reason ? [{ file: s.path, reason: s.reason, severity: s.severity ?? 'error' }] : []));
  images.forEach((image, i) => {
    const { width, height } = statuses[i]!.content ?? image;
    if (Math.min(width, height) < SMALL_IMAGE_PX) {
      problems.push({ file: image.absolutePath, reason: `small image ${width}x${height} (under ${SMALL_IMAGE_PX} px)`, severity: 'warning' });
    }
  });
  for (const group of duplicateImageGroups(project.db, baseDir)) {
    const [first, ...rest] = group.paths;
    for (const other of rest) {
      const where = other.category === first!.category ? `in the same category ${other.category}` : `across categories ${first!.category} and ${other.category}`;
      problems.push({ file: other.path, reason: `duplicate of ${first!.path} ${where} (same sha256)`, severity: 'error' });
    }
  }
  problems.push(...categoryProblems(listCategories(project.db)));
  const count = (status: string) => statuses.filter((s) => s.status === status).length;
  return { images: images.length, ok: count('ok'), missing: count('missing'), changed: count('changed'), updated: statuses.filter((s) => s.content).length, problems };
}
