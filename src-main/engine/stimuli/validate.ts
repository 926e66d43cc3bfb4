// Validation of the recorded stimulus set: category sizes and balance, duplicates, and a rescan that
// finds files gone missing or changed since import (by sha256).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import type { CategoryInfo, StimuliCheckReport, StimulusProblem } from '../../contract/types.ts';
import type { Progress } from '../../contract/protocol.ts';
import { throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import { listCategories, duplicateImageGroups, listImages, setImageStatus } from '../storage/stimuli-store.ts';

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

async function hashFile(path: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(null) : reject(error)));
  });
}

/** Rescans every image (exists? same sha256?), records the status, and reports every problem. */
export async function checkStimuli(project: Project, options: { signal?: AbortSignal; progress?: (p: Progress) => void } = {}): Promise<StimuliCheckReport> {
  const baseDir = dirname(project.path);
  const { images } = listImages(project.db, baseDir);
  const meter = new ProgressMeter('check', images.length, options.progress ?? (() => {}), 'images');
  const statuses: { id: number; status: 'ok' | 'missing' | 'changed'; path: string; reason?: string }[] = [];
  for (const image of images) {
    throwIfAborted(options.signal, 'the check');
    let sha: string | null;
    try {
      sha = await hashFile(image.absolutePath);
    } catch (error) {
      statuses.push({ id: image.id, status: 'missing', path: image.absolutePath, reason: `unreadable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      meter.tick();
      continue;
    }
    if (sha === null) statuses.push({ id: image.id, status: 'missing', path: image.absolutePath, reason: 'missing (file not found)' });
    else if (sha !== image.sha256) statuses.push({ id: image.id, status: 'changed', path: image.absolutePath, reason: 'changed since import (different sha256); re-import to update it' });
    else statuses.push({ id: image.id, status: 'ok', path: image.absolutePath });
    meter.tick();
  }
  project.db.transaction(() => {
    for (const s of statuses) setImageStatus(project.db, s.id, s.status);
  })();

  const problems: StimulusProblem[] = statuses.filter((s) => s.reason).map((s) => ({ file: s.path, reason: s.reason!, severity: 'error' as const }));
  for (const image of images) {
    if (Math.min(image.width, image.height) < SMALL_IMAGE_PX) {
      problems.push({ file: image.absolutePath, reason: `small image ${image.width}x${image.height} (under ${SMALL_IMAGE_PX} px)`, severity: 'warning' });
    }
  }
  for (const group of duplicateImageGroups(project.db, baseDir)) {
    const [first, ...rest] = group.paths;
    for (const other of rest) {
      const where = other.category === first!.category ? `in the same category ${other.category}` : `across categories ${first!.category} and ${other.category}`;
      problems.push({ file: other.path, reason: `duplicate of ${first!.path} ${where} (same sha256)`, severity: 'error' });
    }
  }
  problems.push(...categoryProblems(listCategories(project.db)));
  const count = (status: string) => statuses.filter((s) => s.status === status).length;
  return { images: images.length, ok: count('ok'), missing: count('missing'), changed: count('changed'), problems };
}
