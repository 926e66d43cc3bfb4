// A model is its .onnx file and the external-data files it names: an export over 2 GB (ViT-L, large
// CNNs) must keep its weights in files beside the model, at locations relative to the model's folder.
// Copying a model (into a project, into a cluster bundle) copies them together, each at the same place
// relative to the copy, so the copy loads exactly as the original does and has the same identity
// (hash.ts modelSha256).
import { constants, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { ExternalDataFile } from '../onnx/read.ts';
import { alreadyExists, insideFolder } from '../owned-files.ts';

/** One file of a model to copy: from where, and to where. */
interface FileCopy {
  from: string;
  to: string;
}

function copyError(copy: FileCopy, destination: string, error: unknown): EngineError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return alreadyExists(copy.to, `a file of that name is in ${destination} already; choose another model name`);
  const kind = code === 'ENOENT' ? 'not_found' : 'io';
  return new EngineError(kind, `${copy.from}: cannot copy it into ${destination} (${(error as Error).message})`, { file: copy.from, cause: error });
}

/**
 * Copies the model `source` to `target` and its external-data files beside it, each to a new file
 * (never over one that is there). `destination` names where, for messages ("the project", "the bundle").
 * On any failure the files copied so far are removed again, so no half model is left to load.
 */
export function copyModelFiles(source: string, externalData: readonly ExternalDataFile[], target: string, destination: string): void {
  const folder = dirname(target);
  const copies: FileCopy[] = [{ from: source, to: target }, ...externalData.map((d) => ({ from: d.path, to: insideFolder(folder, join(folder, d.relativePath)) }))];
  const made: string[] = [];
  try {
    for (const copy of copies) {
      mkdirSync(dirname(copy.to), { recursive: true });
      try {
        copyFileSync(copy.from, copy.to, constants.COPYFILE_EXCL);
      } catch (error) {
        throw copyError(copy, destination, error);
      }
      made.push(copy.to);
    }
  } catch (error) {
    for (const file of made) rmSync(file, { force: true });
    throw error;
  }
}
