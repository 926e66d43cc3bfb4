// Provenance of what a run reads: before the model file or the images are read, each is hashed and
// compared with the sha256 on record (the project's for a new run, the run's own for anything that
// reads a stored run's inputs again), and after reading, each is stat()ed again so a file that changed
// in between is caught too (for a model, its external-data files with it). A mismatch refuses with the
// file and the way out (`model refresh`, `stimuli check --update`, or a new run): statistics of one set
// of bytes are never mixed with responses to another, and a manifest never names bytes that were not
// the ones read.
import type { Progress } from '../../contract/protocol.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { fileStatKey, modelFiles, modelSha256, sha256File } from '../models/hash.ts';

export interface RecordedFile {
  /** Absolute path. */
  path: string;
  /** The sha256 on record for it. */
  sha256: string;
}

/** Whose record the files are checked against, for the messages. */
export interface Provenance {
  project: string;
  model: string;
  /** 'project': the project's records (a new run); a number: the run that recorded the hashes. */
  recordedBy: 'project' | number;
  /** What reads the files, e.g. "run #3", "the ablation" (for "changed while ... read it"). */
  reader: string;
}

export interface CheckedInputs {
  /** Refuses when any checked file changed since it was hashed (call after reading them). */
  assertUnchanged(): void;
}

type Signature = string;

/** What stat() says of each of `paths` (a model's .onnx and its external-data files, or one image), or null when one is gone. */
function signature(paths: readonly string[]): Signature | null {
  try {
    return paths.map(fileStatKey).join('|');
  } catch {
    return null;
  }
}

const short = (sha: string) => `${sha.slice(0, 12)}…`;

function mismatch(file: RecordedFile, actual: string, isModel: boolean, p: Provenance): EngineError {
  const what = isModel ? `model '${p.model}'` : 'the image';
  const record = isModel ? `unitscope model refresh ${p.project} ${p.model}` : `unitscope stimuli check ${p.project} --update`;
  const hashes = `(sha256 ${short(file.sha256)} recorded, ${short(actual)} on disk)`;
  const message =
    p.recordedBy === 'project'
      ? `${file.path}: ${what} changed on disk since it was added to the project ${hashes}; if the new contents are meant, record them with: ${record}`
      : `${file.path}: ${what} is not the file run #${p.recordedBy} read ${hashes}; its results cannot be combined with other bytes: restore the file, or record it (${record}) and start a new run`;
  return new EngineError('conflict', message, { file: file.path });
}

/** A hashed file and the files behind it (a model's external-data files too), as stat() saw them then. */
interface Signed {
  path: string;
  files: readonly string[];
  signature: Signature;
}

async function hashRecorded(file: RecordedFile, isModel: boolean, p: Provenance): Promise<Signed> {
  let files: readonly string[] = [file.path];
  let before: Signature | null = null;
  let sha: string;
  try {
    if (isModel) files = modelFiles(file.path);
    before = signature(files);
    sha = await (isModel ? modelSha256(file.path) : sha256File(file.path));
  } catch (error) {
    // The model reader's own errors name the file and the problem (a missing external-data file, say).
    if (error instanceof EngineError) throw error;
    const hint = isModel ? '' : `; 'unitscope stimuli check ${p.project}' lists every missing image`;
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? `no such ${isModel ? `model file (model '${p.model}')` : 'image file'}` : `cannot read ${isModel ? `model '${p.model}'` : 'the image'} (${code ?? (error as Error).message})`;
    throw new EngineError('not_found', `${file.path}: ${problem}${hint}`, {
      file: file.path,
      cause: error,
    });
  }
  const after = signature(files);
  if (before === null || before !== after) throw changedWhileRead(file.path, p);
  if (sha !== file.sha256) throw mismatch(file, sha, isModel, p);
  return { path: file.path, files, signature: after };
}

function changedWhileRead(path: string, p: Provenance): EngineError {
  return new EngineError('conflict', `${path}: the file changed while ${p.reader} read it; leave the project's files alone while it runs, then try again`, { file: path });
}

/** Files hashed at once while a check runs: hashing is disk-bound, so a few in flight keep the disk busy. */
const IN_FLIGHT = 8;

/**
 * Hashes the model (when given) and the images against their records (refusing on the first difference) and
 * returns the check to repeat after reading them. Repeated checks of unchanged files cost a stat().
 */
export async function checkInputFiles(
  files: { model?: RecordedFile | undefined; images: readonly RecordedFile[] },
  provenance: Provenance,
  hooks: { signal?: AbortSignal | undefined; progress?: ((p: Progress) => void) | undefined } = {},
): Promise<CheckedInputs> {
  const meter = new ProgressMeter('checking files', files.images.length + (files.model ? 1 : 0), (p) => hooks.progress?.(p), 'files');
  const signed: Signed[] = [];
  if (files.model) {
    signed.push(await hashRecorded(files.model, true, provenance));
    meter.tick(1);
  }
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < files.images.length) {
      const image = files.images[next++]!;
      try {
        throwIfAborted(hooks.signal, 'the file check');
        signed.push(await hashRecorded(image, false, provenance));
      } catch (error) {
        failed = true; // the other workers stop at their next file
        throw error;
      }
      meter.tick(1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.images.length) }, worker));
  return {
    assertUnchanged() {
      for (const { path, files, signature: before } of signed) if (signature(files) !== before) throw changedWhileRead(path, provenance);
    },
  };
}
