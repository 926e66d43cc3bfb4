// A scrambled control category made from an intact one: every image of `from` is decoded, scrambled,
// written as PNG under the project's files folder (stimuli/<as>/) and imported as a control for `from`.
import { mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { nameProblem } from '../../contract/names.ts';
import type { Progress } from '../../contract/protocol.ts';
import type { ScrambleResult } from '../../contract/types.ts';
import { EngineError, quoted, throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import { WorkerPool, WorkerTaskError } from '../module-worker.ts';
import { deriveSeed } from '../random.ts';
import { findCategory, listImages } from '../storage/stimuli-store.ts';
import { decodeRgb, encodePng } from './decode.ts';
import { importCandidates, sweepUnrecordedFiles } from './import.ts';
import { CopyJournal } from './copy-journal.ts';
import { insideFolder, writeNewFile } from '../owned-files.ts';
import type { PhaseMode, ScrambleTask } from './scramble.ts';
import type { Candidate } from './sources.ts';

export interface ScrambleSettings {
  from: string;
  as: string;
  method: 'block' | 'phase';
  /** Block scrambling: tiles per side. */
  grid?: number;
  seed?: number;
  phaseMode?: PhaseMode;
}

export const DEFAULT_SCRAMBLE_GRID = 8;

export async function scrambleCategory(
  project: Project,
  settings: ScrambleSettings,
  options: { signal?: AbortSignal; progress?: (p: Progress) => void } = {},
): Promise<ScrambleResult> {
  const { from, as, method } = settings;
  const seed = settings.seed ?? 0;
  const grid = settings.grid ?? DEFAULT_SCRAMBLE_GRID;
  // `as` becomes a folder (stimuli/<as>/): the contract's name rule, also for engine callers.
  const problem = nameProblem(as);
  if (problem) throw new EngineError('validation', `category ${quoted(as)}: ${problem}`);
  if (!findCategory(project.db, from)) throw new EngineError('not_found', `no category named ${from} in ${project.path}`);
  if (findCategory(project.db, as)) throw new EngineError('conflict', `category ${as} already exists in ${project.path}; choose another name`);
  if (from === as) throw new EngineError('validation', 'the scrambled category needs a name of its own');
  const sources = listImages(project.db, dirname(project.path), { category: from }).images.filter((i) => i.status !== 'missing');
  if (sources.length === 0) throw new EngineError('bad_input', `category ${from} has no images to scramble`);

  const folder = insideFolder(join(project.filesDir, 'stimuli'), join(project.filesDir, 'stimuli', as));
  await sweepUnrecordedFiles(project); // a killed scramble's files are not "already there"
  if (existsSync(folder)) throw new EngineError('conflict', `${folder} already exists; remove it or choose another category name`, { file: folder });
  const meter = new ProgressMeter('scramble', sources.length, options.progress ?? (() => {}), 'images');
  const names = new Set<string>();
  const files = sources.map((image) => {
    let name = `${basename(image.path, extname(image.path))}.png`;
    if (names.has(name)) name = `${basename(image.path, extname(image.path))}-${image.id}.png`;
    names.add(name);
    return join(folder, name);
  });
  const candidates: Candidate[] = sources.map((image, i) => ({ absolutePath: files[i]!, category: as, subcategory: image.subcategory }));
  // Recorded before the first file is written: a kill leaves nothing the next import does not remove.
  const journal = await CopyJournal.begin(project.filesDir, files);
  await mkdir(folder, { recursive: true });
  // Images are pipelined: the main thread decodes and encodes (sharp, off the event loop) while the
  // workers scramble, one image each, so every core is busy. Each image has its own seeded stream,
  // so the bytes do not depend on the order in which the images finish.
  const pool = new WorkerPool<ScrambleTask, Uint8Array>(new URL('./scramble-worker.ts', import.meta.url));
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  const scrambleOne = async (i: number) => {
    const image = sources[i]!;
    const pixels = await decodeRgb(image.absolutePath);
    const task: ScrambleTask = { data: pixels.data, width: pixels.width, height: pixels.height, method, grid, phaseMode: settings.phaseMode ?? 'channels', seed: deriveSeed(seed, image.sha256) };
    const scrambled = await pool.run(task).catch((error: unknown) => {
      if (!(error instanceof WorkerTaskError)) throw error;
      throw new EngineError('bad_input', `${image.absolutePath}: cannot scramble it (${error.message})`, { file: image.absolutePath, cause: error });
    });
    const png = await encodePng({ data: Buffer.from(scrambled.buffer, scrambled.byteOffset, scrambled.byteLength), width: pixels.width, height: pixels.height });
    await writeNewFile(files[i]!, png, 'the scrambled category folder is new');
    meter.tick();
  };
  try {
    for (let i = 0; i < sources.length && failure === null; i++) {
      throwIfAborted(options.signal, 'scrambling');
      const task: Promise<void> = scrambleOne(i).then(
        () => void inFlight.delete(task),
        (error: unknown) => {
          failure ??= error;
          inFlight.delete(task);
        },
      );
      inFlight.add(task);
      if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure !== null) throw failure;
  } catch (error) {
    // Nothing was recorded yet: remove the files made so far so no half-made category is left behind.
    await Promise.all(inFlight);
    await rm(folder, { recursive: true, force: true });
    await journal.end();
    throw error;
  } finally {
    await pool.close();
  }
  // One transaction: either every scrambled image is recorded or none is (and the files are removed).
  let added: number;
  try {
    added = (
      await importCandidates(project, {
        layout: 'folders',
        source: folder,
        candidates,
        problems: [],
        roles: new Map([[as, { role: 'control', controlsFor: from }]]),
        storage: 'generated',
        missingUnder: null,
      })
    ).added;
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    await journal.end();
    throw error;
  }
  await journal.end();
  return { category: as, from, method, images: added, seed };
}
