// Importing stimuli into a project: hash, read the header, decode once for the thumbnail (which proves the
// file decodes), then write everything in ONE transaction, so a failed import leaves the project as it
// was. Bad files do not stop the import: each becomes a problem line naming the file and the reason.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, open, readFile, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseName } from '../../contract/names.ts';
import type { Progress } from '../../contract/protocol.ts';
import type { CategoryRole, ImageStorage, StimulusImportResult, StimulusProblem } from '../../contract/types.ts';
import { EngineError, aboutFile, quoted, throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import {
  ensureCategory,
  findCategory,
  getThumbnails,
  insertImage,
  listCategories,
  listImageKeys,
  listCategoryRows,
  putThumbnail,
  setImageStatus,
  updateImageContent,
  type ImageKey,
  type NewImage,
} from '../storage/stimuli-store.ts';
import { ImageDecodeError, makeThumbnail, MAX_IMAGE_BYTES, readHeader, SIGNATURE_BYTES, sniffFormat, type ImageHeader, type Thumbnail } from './decode.ts';
import { guessScrambledControl, ManifestError, scanSource, type Candidate, type SourceScan } from './sources.ts';
import { categoryProblems, SMALL_IMAGE_PX } from './validate.ts';
import { insideFolder } from '../owned-files.ts';
import { CopyJournal, sweepCopyJournals } from './copy-journal.ts';
import type { Confinement } from '../path-confinement.ts';

export interface ImportOptions {
  /** Folder name (or fLoc subcategory, or manifest category) -> category. */
  map?: Readonly<Record<string, string>>;
  /** Categories to mark as controls, each with the target it stands for (or null). */
  controls?: Readonly<Record<string, string | null>>;
  /** Categories to import as targets, even when named like a scrambled control. */
  targets?: readonly string[];
  /** Copy files into the project's folder instead of referencing them where they are. */
  copy?: boolean;
  /** Where the source may lead (serve mode: the shared folders). */
  confinement?: Confinement;
  signal?: AbortSignal;
  progress?: (progress: Progress) => void;
}

interface Examined {
  candidate: Candidate;
  sha256: string;
  bytes: number;
  header: ImageHeader;
  /** Null when the file is unchanged and its stored thumbnail is kept. */
  thumbnail: Thumbnail | null;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping results in input order. */
async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

// sharp decodes on its own libuv threads, one image per thread; keeping twice as many files in flight as
// cores overlaps reading and hashing with decoding without piling up memory.
const IN_FLIGHT = Math.max(2, availableParallelism() * 2);

/**
 * The file's first bytes, or the reason it is no image, before it is read whole: a file without an
 * image signature, or larger than any stimulus should be, costs one small read however big it is.
 */
async function screen(file: string): Promise<StimulusProblem | null> {
  // Only regular files: a FIFO or device named like an image would hold a reading thread forever.
  const info = await stat(file);
  if (!info.isFile()) return { file, reason: 'not a regular file', severity: 'error' };
  if (info.size === 0) return { file, reason: 'empty file', severity: 'error' };
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(SIGNATURE_BYTES);
    const { bytesRead } = await handle.read(head, 0, SIGNATURE_BYTES, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (sniffFormat(head) === null) return { file, reason: 'not an image (unrecognised file signature)', severity: 'error' };
  if (info.size > MAX_IMAGE_BYTES) {
    return { file, reason: `${mib(info.size)} is more than a stimulus image may have (${mib(MAX_IMAGE_BYTES)}); refused without reading it`, severity: 'error' };
  }
  return null;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

async function examine(candidate: Candidate, known: ImageKey | undefined, hasThumbnail: boolean): Promise<Examined | StimulusProblem> {
  const file = candidate.absolutePath;
  let buffer: Buffer;
  try {
    const refused = await screen(file);
    if (refused) return refused;
    buffer = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { file, reason: code === 'ENOENT' ? 'file not found' : `unreadable (${code ?? (error as Error).message})`, severity: 'error' };
  }
  try {
    const header = await readHeader(buffer);
    const sha256 = createHash('sha256').update(buffer).digest('hex');
    const unchanged = known !== undefined && known.sha256 === sha256 && hasThumbnail;
    const thumbnail = unchanged ? null : await makeThumbnail(buffer, header);
    return { candidate, sha256, bytes: buffer.length, header, thumbnail };
  } catch (error) {
    if (error instanceof ImageDecodeError) return { file, reason: error.reason, severity: 'error' };
    throw error;
  }
}

function isProblem(value: Examined | StimulusProblem): value is StimulusProblem {
  return 'reason' in value;
}

export interface CandidateBatch {
  layout: SourceScan['layout'];
  source: string;
  candidates: Candidate[];
  problems: StimulusProblem[];
  roles: Map<string, { role: CategoryRole; controlsFor: string | null }>;
  storage: ImageStorage;
  /** Folder whose previously imported, now vanished files are marked missing (null: no such check). */
  missingUnder: string | null;
}

/**
 * Categories become folder names (stimuli/<category>/ when copying) and come from folder names, manifest
 * cells and the user's map: each must pass the contract's name rule. A file whose category does not is
 * a problem line, not an import.
 */
function withValidCategories(candidates: readonly Candidate[], problems: StimulusProblem[]): Candidate[] {
  const valid: Candidate[] = [];
  for (const candidate of candidates) {
    const parsed = parseName(candidate.category);
    if ('problem' in parsed) problems.push({ file: candidate.absolutePath, reason: `category ${quoted(candidate.category)} is not a valid name: ${parsed.problem}`, severity: 'error' });
    else valid.push({ ...candidate, category: parsed.name });
  }
  return valid;
}

/** A file name under filesDir/stimuli/<category>/ that is not taken yet. */
function copyTarget(filesDir: string, category: string, source: string, sha256: string, taken: Set<string>): string {
  const folder = insideFolder(join(filesDir, 'stimuli'), join(filesDir, 'stimuli', category));
  let target = join(folder, basename(source));
  if (taken.has(target) || existsSync(target)) target = join(folder, `${basename(source, extname(source))}-${sha256.slice(0, 8)}${extname(source)}`);
  taken.add(target);
  return target;
}

/**
 * Files a killed import or scramble wrote into the project's folder but never recorded (see
 * copy-journal.ts) are removed, so their names are free again. `recorded`: every image's absolute path.
 */
export async function sweepUnrecordedFiles(project: Project, recorded?: ReadonlySet<string>): Promise<void> {
  const baseDir = dirname(project.path);
  const paths = recorded ?? new Set(listImageKeys(project.db, baseDir).map((k) => k.path));
  await sweepCopyJournals(project.filesDir, (file) => paths.has(file));
}

/** Imports a prepared list of candidates: the shared path of folder, manifest and generated imports. */
export async function importCandidates(project: Project, batch: CandidateBatch, options: ImportOptions = {}): Promise<StimulusImportResult> {
  const db = project.db;
  const baseDir = dirname(project.path);
  const problems: StimulusProblem[] = [...batch.problems];
  const candidates = withValidCategories(batch.candidates, problems);
  const keys = listImageKeys(db, baseDir);
  const byPath = new Map(keys.map((k) => [k.path, k]));
  await sweepUnrecordedFiles(project, new Set(byPath.keys()));
  const thumbs = getThumbnails(db, keys.map((k) => k.id));
  const categoryNames = new Map(listCategoryRows(db).map((c) => [c.id, c.name]));
  const present = new Map<string, ImageKey>();
  for (const key of keys) if (key.status !== 'missing') present.set(key.sha256, key);

  const meter = new ProgressMeter('import', candidates.length, options.progress ?? (() => {}), 'images');
  const examined = await mapPool(candidates, IN_FLIGHT, async (candidate) => {
    throwIfAborted(options.signal, 'the import');
    const known = options.copy ? undefined : byPath.get(candidate.absolutePath);
    const result = await examine(candidate, known, known !== undefined && thumbs.has(known.id));
    meter.tick();
    return result;
  });
  throwIfAborted(options.signal, 'the import');

  type Plan = { item: Examined; existing: ImageKey | undefined; target: string };
  const plans: Plan[] = [];
  const firstBySha = new Map<string, string>();
  let unchanged = 0;
  const copyTaken = new Set<string>();
  for (const item of examined) {
    if (isProblem(item)) {
      problems.push(item);
      continue;
    }
    const file = item.candidate.absolutePath;
    const existing = options.copy ? undefined : byPath.get(file);
    const first = firstBySha.get(item.sha256);
    if (first !== undefined) {
      problems.push({ file, reason: `duplicate of ${first} (same sha256)`, severity: 'error' });
      continue;
    }
    firstBySha.set(item.sha256, file);
    const holder = present.get(item.sha256);
    if (holder !== undefined && holder.id !== existing?.id) {
      const holderCategory = categoryNames.get(holder.categoryId) ?? '?';
      if (options.copy && holderCategory === item.candidate.category) {
        unchanged++; // this file was copied in before
        continue;
      }
      problems.push({ file, reason: `duplicate of ${holder.path} in category ${holderCategory} (same sha256)`, severity: 'error' });
      continue;
    }
    if (Math.min(item.header.width, item.header.height) < SMALL_IMAGE_PX) {
      problems.push({ file, reason: `small image ${item.header.width}x${item.header.height} (under ${SMALL_IMAGE_PX} px)`, severity: 'warning' });
    }
    if (existing !== undefined && existing.sha256 === item.sha256 && item.thumbnail === null) {
      unchanged++;
      if (existing.status !== 'ok') plans.push({ item, existing, target: file }); // back from missing
      continue;
    }
    const target = options.copy ? copyTarget(project.filesDir, item.candidate.category, file, item.sha256, copyTaken) : file;
    plans.push({ item, existing, target });
  }

  // Files under the source that were imported before and are gone now.
  const seen = new Set(batch.candidates.map((c) => c.absolutePath));
  const vanished =
    batch.missingUnder === null
      ? []
      : keys.filter((k) => {
          const rel = relative(batch.missingUnder!, k.path);
          return k.status !== 'missing' && !rel.startsWith('..') && !rel.startsWith(sep) && !seen.has(k.path) && !existsSync(k.path);
        });

  let added = 0;
  let changed = 0;
  const writes = plans.filter((p) => p.existing === undefined || p.item.thumbnail !== null);
  if (plans.length > 0 || vanished.length > 0) {
    const journal = options.copy && writes.length > 0 ? await CopyJournal.begin(project.filesDir, writes.map((p) => p.target)) : null;
    const copied: string[] = [];
    try {
      for (const plan of journal ? writes : []) {
        const from = plan.item.candidate.absolutePath;
        try {
          await mkdir(dirname(plan.target), { recursive: true });
          // Exclusive: a file that appeared since copyTarget looked is never replaced.
          await copyFile(from, plan.target, constants.COPYFILE_EXCL);
          copied.push(plan.target);
        } catch (error) {
          // A cut copy (a full disk) is ours to remove; an existing file (EEXIST) is not.
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') copied.push(plan.target);
          throw aboutFile(error, plan.target, `cannot copy ${from} into the project (nothing was imported)`);
        }
      }
      db.transaction(() => {
        const known = new Set([...candidates.map((c) => c.category), ...listCategories(db).map((c) => c.name)]);
        const roleOf = (category: string, candidate: Candidate): { role?: CategoryRole; controlsFor?: string | null } => {
          if (options.controls && Object.hasOwn(options.controls, category)) return { role: 'control', controlsFor: options.controls[category] ?? null };
          if (options.targets?.includes(category)) return { role: 'target', controlsFor: null };
          if (candidate.role !== undefined) return { role: candidate.role, controlsFor: candidate.controlsFor ?? null };
          const declared = batch.roles.get(category);
          if (declared) return declared;
          // A new category named like a scrambled control is one, unless the user said otherwise above.
          return findCategory(db, category) ? {} : (guessScrambledControl(category, known) ?? {});
        };
        for (const plan of plans) {
          const { candidate } = plan.item;
          const role = roleOf(candidate.category, candidate);
          const categoryId = ensureCategory(db, candidate.category, role.role, role.controlsFor);
          const record: NewImage = {
            categoryId,
            subcategory: candidate.subcategory,
            absolutePath: plan.target,
            storage: options.copy ? 'copied' : batch.storage,
            sha256: plan.item.sha256,
            bytes: plan.item.bytes,
            width: plan.item.header.width,
            height: plan.item.header.height,
            channels: plan.item.header.channels,
            format: plan.item.header.format,
          };
          if (plan.existing === undefined) {
            const id = insertImage(db, baseDir, record);
            putThumbnail(db, id, plan.item.thumbnail!);
            added++;
          } else {
            updateImageContent(db, plan.existing.id, record);
            if (plan.item.thumbnail !== null) {
              putThumbnail(db, plan.existing.id, plan.item.thumbnail);
              changed++;
            }
          }
        }
        // Roles given for categories that got no new file this time still apply.
        for (const [category, controlsFor] of Object.entries(options.controls ?? {})) {
          if (listCategoryRows(db).some((c) => c.name === category)) ensureCategory(db, category, 'control', controlsFor);
        }
        for (const key of vanished) setImageStatus(db, key.id, 'missing');
      }).immediate();
    } catch (error) {
      await journal?.abandon(copied);
      throw error;
    }
    await journal?.end();
  }
  for (const key of vanished) problems.push({ file: key.path, reason: 'missing (imported before, no longer there)', severity: 'error' });
  problems.push(...categoryProblems(listCategories(db)));
  return {
    source: batch.source,
    layout: batch.layout,
    imported: added + changed,
    added,
    changed,
    unchanged,
    missing: vanished.length,
    problems,
    categories: listCategories(db),
  };
}

/** Imports a folder or a CSV/TSV manifest into the project (see sources.ts for the layouts). */
export async function importStimuli(project: Project, source: string, options: ImportOptions = {}): Promise<StimulusImportResult> {
  let scan: SourceScan;
  try {
    scan = await scanSource(source, options.map ?? {}, options.confinement);
  } catch (error) {
    if (error instanceof ManifestError) throw new EngineError('bad_input', error.message, { file: source });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new EngineError('not_found', `${source}: no such file or folder`, { file: source });
    throw error;
  }
  for (const [category, target] of Object.entries(options.controls ?? {})) {
    if (target !== null && target === category) throw new EngineError('validation', `category ${category} cannot be a control for itself`);
  }
  return importCandidates(
    project,
    {
      layout: scan.layout,
      source: scan.root,
      candidates: scan.candidates,
      problems: scan.problems,
      roles: scan.roles,
      storage: 'referenced',
      missingUnder: scan.layout === 'manifest' ? null : scan.root,
    },
    options,
  );
}
