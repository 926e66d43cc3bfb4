// A catalogue entry into a project: the pinned file is downloaded into NAME.files/models/ (resumable,
// sha256-checked against the entry whatever mirror served it), safetensors weights are built into the
// app's own network, an ONNX file is checked against the entry (input name, fixed batch, the tap map),
// a published preprocess_cfg.json is checked against the preset, and only then is the model added.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogueEntry, CatalogueFormat } from '../../contract/models.ts';
import type { Progress } from '../../contract/protocol.ts';
import { downloadFile } from '../downloads/download.ts';
import { downloadProgress } from '../downloads/progress.ts';
import type { UrlPolicy } from '../downloads/url-policy.ts';
import { EngineError } from '../errors.ts';
import { loadModel, resolveTaps } from '../inference/model-graph.ts';
import { alreadyExists, insideFolder } from '../owned-files.ts';
import type { Project } from '../project.ts';
import { convertWeights } from '../weights/import-weights.ts';
import { sha256File } from './hash.ts';
import { addModel, checkNewModelName, projectModelsDir, type LibraryModel } from './library.ts';
import { checkPreprocessConfig } from './preprocess-config.ts';

export interface PretrainedDownload {
  /** A mirror of the entry's file (same bytes); the entry's own URL when omitted. */
  url?: string;
  /** The model's name in the project; the entry's name when omitted. */
  name?: string;
  policy: UrlPolicy;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
}

/** Published files may run a little over the catalogue's estimate; ten times it is not a model. */
const SIZE_CEILING = 1.5;
const COMPANION_MAX_BYTES = 64 * 1024;

/** The companion's URL beside a mirror: same folder, the companion's own file name. */
function companionUrl(entryUrl: string, mirror: string | undefined, companion: string): string {
  if (!mirror) return companion;
  const fileName = new URL(companion).pathname.split('/').pop()!;
  return new URL(fileName, mirror).toString();
}

/** Throws unless the ONNX file's input, batch and taps are what the entry says. */
async function checkAgainstEntry(entry: CatalogueEntry, file: string): Promise<void> {
  const loaded = loadModel(file);
  const problems: string[] = [];
  if (loaded.input.name !== entry.inputName) problems.push(`input '${loaded.input.name}', the catalogue says '${entry.inputName}'`);
  if (loaded.input.batch !== entry.fixedBatch) problems.push(`batch ${loaded.input.batch ?? 'dynamic'}, the catalogue says ${entry.fixedBatch ?? 'dynamic'}`);
  const taps = await resolveTaps(loaded, 'auto');
  for (const want of entry.taps) {
    const tap = taps.find((t) => t.name === want.name);
    const shape = tap ? [tap.channels, tap.height, tap.width] : null;
    if (!tap) problems.push(`no tap '${want.name}'`);
    else if (shape!.some((d, i) => d !== want.shape[i])) problems.push(`tap '${want.name}' is ${shape!.join('x')}, the catalogue says ${want.shape.join('x')}`);
    else if (want.tensor !== null && tap.tensor !== want.tensor) problems.push(`tap '${want.name}' is tensor ${tap.tensor}, the catalogue says ${want.tensor}`);
  }
  if (problems.length > 0) throw new EngineError('bad_input', `${file}: does not match catalogue entry ${entry.name}: ${problems.join('; ')}`, { file });
}

/** What a fetched file is called until it is used: weights are converted into the ONNX, then removed. */
const FETCHED_EXTENSION: Readonly<Record<CatalogueFormat, string>> = { safetensors: 'safetensors', pytorch: 'pt', onnx: 'onnx' };

export async function downloadPretrained(project: Project, entry: CatalogueEntry, options: PretrainedDownload): Promise<LibraryModel> {
  const name = options.name ?? entry.name;
  checkNewModelName(project, name);
  const dir = projectModelsDir(project);
  const onnx = insideFolder(dir, join(dir, `${name}.onnx`));
  const url = options.url ?? entry.url;
  const signal = options.signal ? { signal: options.signal } : {};
  const progress = options.progress ?? (() => {});
  const fetched = insideFolder(dir, join(dir, `${name}.${FETCHED_EXTENSION[entry.format]}`));
  // A run that stopped after its download finished (a crash before the model was added) left the
  // verified file under its final name: it is used again instead of being fetched twice.
  const reuse = existsSync(fetched) && (await sha256File(fetched)) === entry.sha256;
  if (!reuse && existsSync(onnx)) throw alreadyExists(onnx, 'a model file with this name is in the project; give another name');
  if (!reuse) {
    await downloadFile({
      url,
      dest: fetched,
      sha256: entry.sha256,
      maxBytes: Math.ceil((entry.bytes ?? entry.approxBytes) * SIZE_CEILING),
      policy: options.policy,
      onProgress: downloadProgress(progress),
      ...signal,
    });
  }
  const made: string[] = [fetched];
  try {
    if (entry.format !== 'onnx') {
      if (!entry.builder) throw new EngineError('internal', `catalogue entry ${entry.name} has ${entry.format} weights but no builder`);
      progress({ phase: 'convert', done: 0, total: 1 });
      await convertWeights(fetched, entry.builder, onnx);
      made.push(onnx);
      await rm(fetched, { force: true }); // the ONNX holds the same weights (widened to float32); the source is named in the library
      progress({ phase: 'convert', done: 1, total: 1 });
    }
    for (const companion of entry.companions) {
      const cfgUrl = companionUrl(entry.url, options.url, companion.url);
      const cfgFile = join(dir, `${name}.${companion.role}.json`);
      try {
        await downloadFile({ url: cfgUrl, dest: cfgFile, maxBytes: COMPANION_MAX_BYTES, policy: options.policy, ...signal });
      } catch (error) {
        // A mirror may carry only the model; the preset then stands on the catalogue's word alone.
        if (error instanceof EngineError && error.kind === 'not_found') continue;
        throw error;
      }
      made.push(cfgFile);
      checkPreprocessConfig(cfgFile, await readFile(cfgFile, 'utf8'), entry.preset);
    }
    progress({ phase: 'check', done: 0, total: 1 });
    await checkAgainstEntry(entry, onnx);
    return await addModel(project, { file: onnx, name, preset: entry.preset, taps: 'auto', storage: 'downloaded', source: `${url} (sha256 ${entry.sha256})` });
  } catch (error) {
    // Nothing of a download that did not end in the library stays in the project.
    for (const file of made) await rm(file, { force: true });
    throw error;
  }
}
