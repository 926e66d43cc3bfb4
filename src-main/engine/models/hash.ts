// sha256 of a file, streamed (model files are hundreds of MB), with a cache keyed by what stat() says
// of the file (size, mtime, ctime, inode) so listing the library or checking a run's inputs again does
// not re-hash unchanged files. ctime and the inode change on every write, rename or copy over the file,
// even one that restores the old mtime (cp -p, touch -r), so a cache hit means the same bytes.
import { createHash } from 'node:crypto';
import { createReadStream, statSync, type Stats } from 'node:fs';

const cache = new Map<string, { key: string; sha256: string }>();

function statKey(stat: Stats): string {
  return `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;
}

export async function sha256File(path: string): Promise<string> {
  const key = statKey(statSync(path));
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.sha256;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  cache.set(path, { key, sha256 });
  return sha256;
}
