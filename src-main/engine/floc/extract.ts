// Streams a repository archive (tar, gzipped or not) and keeps only the files the manifest lists. A
// file is written under `folder` at the manifest's own path (never at a name taken from the archive, so
// `../` tricks and links lead nowhere), only when it is a regular file of the listed size whose sha256
// matches, and through NAME.part + rename so a half-written image never carries a real name. Everything
// else in the archive (code, docs, other folders) is skipped unread beyond its header.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import type { FlocFileProblem } from '../../contract/types.ts';
import { cancelledError, EngineError } from '../errors.ts';
import type { FlocFile } from './manifest.ts';

export interface ExtractOptions {
  archive: string;
  folder: string;
  /** Manifest files still to extract (already verified ones are left out by the caller). */
  wanted: readonly FlocFile[];
  signal?: AbortSignal;
  /** Called after each wanted file, verified or not. */
  onFile?: (path: string, ok: boolean) => void;
}

export interface ExtractResult {
  verified: string[];
  failed: FlocFileProblem[];
}

/** `fLoc-<commit>/stimuli/a/b.jpg` -> `stimuli/a/b.jpg`: archives from GitHub put everything under one root folder. */
function withoutRoot(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

export async function extractManifestFiles(options: ExtractOptions): Promise<ExtractResult> {
  const wanted = new Map(options.wanted.map((f) => [f.path, f]));
  const verified = new Set<string>();
  const failed = new Map<string, string>();
  const handle = (entry: ReadEntry) => {
    const path = withoutRoot(entry.path);
    const file = wanted.get(path);
    if (!file || verified.has(path)) return void entry.resume(); // not ours: drained unread
    if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
      failed.set(path, `is a ${entry.type} in the archive, not a regular file`);
      options.onFile?.(path, false);
      return void entry.resume();
    }
    if (entry.size !== file.bytes) {
      failed.set(path, `has ${entry.size} bytes in the archive, the manifest lists ${file.bytes}`);
      options.onFile?.(path, false);
      return void entry.resume();
    }
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => {
      const data = Buffer.concat(chunks);
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (sha256 !== file.sha256) {
        failed.set(path, `sha256 ${sha256} differs from the manifest's ${file.sha256}`);
        options.onFile?.(path, false);
        return;
      }
      const target = join(options.folder, ...path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(`${target}.part`, data);
      renameSync(`${target}.part`, target);
      failed.delete(path);
      verified.add(path);
      options.onFile?.(path, true);
    });
  };
  await new Promise<void>((resolvePromise, reject) => {
    const source = createReadStream(options.archive);
    const parser = new Parser({ strict: true, onReadEntry: handle });
    const fail = (error: unknown) => {
      source.destroy();
      reject(options.signal?.aborted ? cancelledError('fetching fLoc') : error instanceof EngineError ? error : new EngineError('bad_input', `${options.archive}: not a readable tar or tar.gz archive (${(error as Error).message})`, { file: options.archive }));
    };
    const onAbort = () => fail(cancelledError('fetching fLoc'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    source.on('error', fail);
    parser.on('error', fail);
    parser.on('close', () => {
      options.signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    });
    source.pipe(parser);
  });
  for (const file of options.wanted) {
    if (!verified.has(file.path) && !failed.has(file.path)) failed.set(file.path, 'is missing from the archive');
  }
  return { verified: [...verified], failed: [...failed].map(([path, reason]) => ({ path, reason })) };
}
