// fLoc from its source, into the user's project and nowhere else: the repository archive at the pinned
// commit is downloaded into NAME.files/downloads/ (resumable), only stimuli/ is extracted, each image is
// checked against the shipped manifest, and what passed is imported with the fLoc map. A re-run resumes:
// images already in place and verified are kept (nothing is downloaded when all are), a partial archive
// is resumed with a Range request. A file that is missing or differs is named; the others still import.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Progress } from '../../contract/protocol.ts';
import type { FlocFetchResult, ScrambleResult } from '../../contract/types.ts';
import { downloadFile } from '../downloads/download.ts';
import { downloadProgress } from '../downloads/progress.ts';
import type { UrlPolicy } from '../downloads/url-policy.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import { importStimuli } from '../stimuli/import.ts';
import { scrambleCategory } from '../stimuli/scramble-category.ts';
import { findCategory } from '../storage/stimuli-store.ts';
import { extractManifestFiles } from './extract.ts';
import { FLOC_ARCHIVE_URL, FLOC_COMMIT, loadFlocManifest, type FlocFile } from './manifest.ts';

export interface FetchFlocOptions {
  /** A mirror URL or a local path / file: URL of the same archive; the pinned GitHub archive by default. */
  url?: string;
  /** Also make the paper's controls: phase-scrambled scenes and block-scrambled words. */
  controls?: boolean;
  policy: UrlPolicy;
  /** Where the manifest is (tests use their own small one). */
  manifest?: string;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
}

/** The controls the paper uses, made with the existing scramble code (seed 0, reproducible). */
export const FLOC_CONTROLS = [
  { from: 'scenes', as: 'scrambled_scenes', method: 'phase' as const },
  { from: 'words', as: 'scrambled_words', method: 'block' as const },
];

/** The archive is larger than its 1,584 images (195 MB) by the code and docs beside them. */
const MAX_ARCHIVE_BYTES = 2 * 1024 ** 3;

export function flocFolder(project: Project): string {
  return join(project.filesDir, `floc-${FLOC_COMMIT.slice(0, 7)}`);
}

async function alreadyVerified(folder: string, file: FlocFile): Promise<boolean> {
  const target = join(folder, ...file.path.split('/'));
  if (!existsSync(target) || statSync(target).size !== file.bytes) return false;
  return createHash('sha256').update(await readFile(target)).digest('hex') === file.sha256;
}

function localArchive(url: string): string | null {
  if (url.startsWith('file:')) return fileURLToPath(url);
  if (/^https?:\/\//i.test(url)) return null;
  return isAbsolute(url) ? url : resolve(url);
}

export async function fetchFloc(project: Project, options: FetchFlocOptions): Promise<FlocFetchResult> {
  const manifest = loadFlocManifest(options.manifest);
  const source = options.url ?? FLOC_ARCHIVE_URL;
  const folder = flocFolder(project);
  const report = options.progress ?? (() => {});

  const check = new ProgressMeter('check', manifest.length, report, 'images');
  const missing: FlocFile[] = [];
  for (const file of manifest) {
    throwIfAborted(options.signal, 'fetching fLoc');
    if (!(await alreadyVerified(folder, file))) missing.push(file);
    check.tick();
  }

  let failed: FlocFetchResult['failed'] = [];
  let archiveToDelete: string | null = null;
  if (missing.length > 0) {
    let archive = localArchive(source);
    if (archive === null) {
      const downloads = join(project.filesDir, 'downloads');
      await mkdir(downloads, { recursive: true });
      archive = join(downloads, `fLoc-${FLOC_COMMIT}.tar.gz`);
      if (!existsSync(archive)) {
        await downloadFile({
          url: source,
          dest: archive,
          policy: options.policy,
          maxBytes: MAX_ARCHIVE_BYTES,
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: downloadProgress(report),
        });
      }
      archiveToDelete = archive;
    } else if (!existsSync(archive)) {
      throw new EngineError('not_found', `${archive}: no such archive`, { file: archive });
    }
    const extract = new ProgressMeter('extract', missing.length, report, 'images');
    try {
      const result = await extractManifestFiles({ archive, folder, wanted: missing, ...(options.signal ? { signal: options.signal } : {}), onFile: () => extract.tick() });
      failed = result.failed;
    } catch (error) {
      // A downloaded archive that cannot be read would be reused by the next run; only a cancel keeps it.
      if (archiveToDelete && !(error instanceof EngineError && error.kind === 'cancelled')) await rm(archiveToDelete, { force: true });
      throw error;
    }
  }
  throwIfAborted(options.signal, 'fetching fLoc');

  const stimuli = join(folder, 'stimuli');
  if (failed.length === manifest.length) {
    throw new EngineError('bad_input', `${source}: none of the ${manifest.length} fLoc images matched the manifest (first: ${failed[0]!.path} ${failed[0]!.reason}); is this the fLoc archive at commit ${FLOC_COMMIT}?`, { file: source });
  }
  const imported = await importStimuli(project, stimuli, { ...(options.signal ? { signal: options.signal } : {}), progress: report });
  // The archive served its purpose once its images are in place; one that failed some files is kept
  // out too, since a fresh download is the only way to get them right.
  if (archiveToDelete) await rm(archiveToDelete, { force: true });

  const controls: ScrambleResult[] = [];
  if (options.controls) {
    for (const control of FLOC_CONTROLS) {
      if (!findCategory(project.db, control.from) || findCategory(project.db, control.as)) continue;
      controls.push(await scrambleCategory(project, { ...control, seed: 0 }, { ...(options.signal ? { signal: options.signal } : {}), progress: report }));
    }
  }
  return {
    source,
    commit: FLOC_COMMIT,
    folder: stimuli,
    expected: manifest.length,
    verified: manifest.length - failed.length,
    reused: missing.length === 0,
    failed,
    import: imported,
    controls,
  };
}
