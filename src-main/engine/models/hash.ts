// sha256 of a file, streamed (model files are hundreds of MB), with a cache keyed by what stat() says
// of the file (size, mtime, ctime, inode) so listing the library or checking a run's inputs again does
// not re-hash unchanged files. ctime and the inode change on every write, rename or copy over the file,
// even one that restores the old mtime (cp -p, touch -r), so a cache hit means the same bytes. And a
// model's identity, which covers its external-data files too.
import { createHash } from 'node:crypto';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { externalDataFiles, readModelFile, type ExternalDataFile } from '../onnx/read.ts';

const cache = new Map<string, { key: string; sha256: string }>();

function statKey(stat: Stats): string {
  return `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;
}

/** What stat() says of `path`, as a key: equal keys mean the same bytes (see above). */
export function fileStatKey(path: string): string {
  return statKey(statSync(path));
}

export async function sha256File(path: string): Promise<string> {
  const key = fileStatKey(path);
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.sha256;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  cache.set(path, { key, sha256 });
  return sha256;
}

/** The external-data files of each .onnx read, by path, while its stat() key holds (parsing a 100 MB model takes a while). */
const dataFilesCache = new Map<string, { key: string; files: ExternalDataFile[] }>();

/** The external-data files the model `path` names (checked: inside its folder, present). */
export function modelDataFiles(path: string): ExternalDataFile[] {
  const key = fileStatKey(path);
  const hit = dataFilesCache.get(path);
  if (hit && hit.key === key) return hit.files;
  const files = externalDataFiles(readModelFile(path), path);
  dataFilesCache.set(path, { key, files });
  return files;
}

/** The files a model is read from: its .onnx, then its external-data files. */
export function modelFiles(path: string): string[] {
  return [path, ...modelDataFiles(path).map((d) => d.path)];
}

/**
 * A model's sha256: the .onnx file's own when its weights are inside it (every model file but the
 * largest), else a sha256 over the .onnx's and each external-data file's sha256 with its place relative
 * to the model. New weights written into a data file are then a changed model, though the .onnx (graph
 * and offsets) is byte for byte the same; a copy made by copyModelFiles has the same identity.
 */
export async function modelSha256(path: string): Promise<string> {
  const onnx = await sha256File(path);
  const data = [...modelDataFiles(path)].sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  if (data.length === 0) return onnx;
  const hash = createHash('sha256').update(`unitscope model with external data\n${onnx}\n`);
  // Forward slashes: the same model has one identity on Windows and on Linux.
  for (const d of data) hash.update(`${d.relativePath.replaceAll('\\', '/')}\n${await sha256File(d.path)}\n`);
  return hash.digest('hex');
}
