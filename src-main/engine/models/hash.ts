// sha256 of a file, streamed (model files are hundreds of MB), with a cache keyed by size and mtime so
// listing the library does not re-hash unchanged files.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

const cache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

export async function sha256File(path: string): Promise<string> {
  const stat = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit.sha256;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  cache.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
  return sha256;
}
