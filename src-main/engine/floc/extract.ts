// Streams a repository archive (tar, gzipped or not, as GitHub's codeload serves it; or the zip of
// GitHub's "Download ZIP") and keeps only the files the manifest lists. A file is written under
// `folder` at the manifest's own path (never at a name taken from the archive, so `../` tricks and links
// lead nowhere), only when it is a regular file of the listed size whose sha256 matches, and through
// NAME.part + rename so a half-written image never carries a real name. Everything else in the archive
// (code, docs, other folders) is skipped unread beyond its header.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import type { FlocFileProblem } from '../../contract/types.ts';
import { cancelledError, EngineError } from '../errors.ts';
import { isZipFile } from '../file-signature.ts';
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

/** The rules for one archive entry, whatever the container: which entries are read, and what is kept. */
class ManifestSink {
  private readonly wanted: Map<string, FlocFile>;
  readonly verified = new Set<string>();
  readonly failed = new Map<string, string>();

  constructor(private readonly options: ExtractOptions) {
    this.wanted = new Map(options.wanted.map((f) => [f.path, f]));
  }

  /** The manifest file an entry would be, when its data should be read; records a refusal otherwise. */
  admit(archivePath: string, regularFile: boolean, kind: string, size: number): FlocFile | null {
    const path = withoutRoot(archivePath);
    const file = this.wanted.get(path);
    if (!file || this.verified.has(path)) return null;
    if (!regularFile) return this.refuse(path, `is a ${kind} in the archive, not a regular file`);
    if (size !== file.bytes) return this.refuse(path, `has ${size} bytes in the archive, the manifest lists ${file.bytes}`);
    return file;
  }

  /** The entry's bytes: written at the manifest's path when their sha256 matches. */
  accept(file: FlocFile, data: Buffer): void {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (sha256 !== file.sha256) {
      this.refuse(file.path, `sha256 ${sha256} differs from the manifest's ${file.sha256}`);
      return;
    }
    const target = join(this.options.folder, ...file.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.part`, data);
    renameSync(`${target}.part`, target);
    this.failed.delete(file.path);
    this.verified.add(file.path);
    this.options.onFile?.(file.path, true);
  }

  private refuse(path: string, reason: string): null {
    this.failed.set(path, reason);
    this.options.onFile?.(path, false);
    return null;
  }

  result(): ExtractResult {
    for (const file of this.options.wanted) {
      if (!this.verified.has(file.path) && !this.failed.has(file.path)) this.failed.set(file.path, 'is missing from the archive');
    }
    return { verified: [...this.verified], failed: [...this.failed].map(([path, reason]) => ({ path, reason })) };
  }
}

function unreadable(archive: string, error: unknown): EngineError {
  return error instanceof EngineError ? error : new EngineError('bad_input', `${archive}: not a readable tar, tar.gz or zip archive (${(error as Error).message})`, { file: archive });
}

function extractTar(options: ExtractOptions, sink: ManifestSink): Promise<void> {
  const handle = (entry: ReadEntry) => {
    const file = sink.admit(entry.path, entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile', entry.type, entry.size);
    if (!file) return void entry.resume(); // not kept: drained unread
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => sink.accept(file, Buffer.concat(chunks)));
  };
  return new Promise<void>((resolvePromise, reject) => {
    const source = createReadStream(options.archive);
    const parser = new Parser({ strict: true, onReadEntry: handle });
    const fail = (error: unknown) => {
      source.destroy();
      reject(options.signal?.aborted ? cancelledError('fetching fLoc') : unreadable(options.archive, error));
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
}

/** S_IFMT bits of a zip entry made on Unix (the high half of its external attributes). */
function zipFileType(entry: yauzl.Entry): number {
  return (entry.externalFileAttributes >>> 16) & 0o170000;
}

function extractZip(options: ExtractOptions, sink: ManifestSink): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    // yauzl reads the central directory, refuses entry names that are absolute or climb out with `..`,
    // and checks each entry's inflated size against the one it declares.
    yauzl.open(options.archive, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false }, (openError, zip) => {
      if (openError || !zip) return reject(unreadable(options.archive, openError));
      const fail = (error: unknown) => {
        zip.close();
        reject(options.signal?.aborted ? cancelledError('fetching fLoc') : unreadable(options.archive, error));
      };
      zip.on('error', fail);
      zip.on('end', () => resolvePromise());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (options.signal?.aborted) return fail(cancelledError('fetching fLoc'));
        const type = zipFileType(entry);
        const regular = !entry.fileName.endsWith('/') && (type === 0 || type === 0o100000);
        const file = sink.admit(entry.fileName, regular, type === 0o120000 ? 'SymbolicLink' : 'non-file entry', entry.uncompressedSize);
        if (!file) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return fail(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', fail);
          stream.on('end', () => {
            sink.accept(file, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

export async function extractManifestFiles(options: ExtractOptions): Promise<ExtractResult> {
  const sink = new ManifestSink(options);
  await ((await isZipFile(options.archive)) ? extractZip(options, sink) : extractTar(options, sink));
  return sink.result();
}
