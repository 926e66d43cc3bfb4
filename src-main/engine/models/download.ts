// Model downloads: streamed to NAME.part next to the target, resumed with an HTTP Range request after a
// dropped connection (within the call, and by a later call), cancellable, and verified by sha256 before
// the file takes its final name. Redirects are followed (release hosts redirect to storage).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { EngineError, cancelledError } from '../errors.ts';

export interface DownloadOptions {
  url: string;
  dest: string;
  sha256?: string | null;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number | null) => void;
  /** Attempts within this call when the connection drops (each resumes where the last stopped). */
  attempts?: number;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  sha256: string;
  resumedFrom: number;
}

function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, redirects = 5): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const get = url.startsWith('https:') ? httpsGet : url.startsWith('http:') ? httpGet : null;
    if (!get) return reject(new EngineError('validation', `${url}: only http and https downloads are supported`));
    const req = get(url, { headers, signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new EngineError('io', `${url}: too many redirects`));
        return resolvePromise(request(new URL(res.headers.location, url).toString(), headers, signal, redirects - 1));
      }
      resolvePromise(res);
    });
    req.on('error', reject);
  });
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One attempt: appends to the .part file from its current size. Resolves when the body ended cleanly. */
async function attempt(options: DownloadOptions, part: string): Promise<{ total: number | null }> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  const res = await request(options.url, headers, options.signal);
  const status = res.statusCode ?? 0;
  if (status === 416 && have > 0) {
    // The .part already holds the whole file.
    res.resume();
    return { total: have };
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new EngineError(status === 404 ? 'not_found' : 'io', `${options.url}: the server answered HTTP ${status}`);
  }
  const append = status === 206 && have > 0;
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = Number.isFinite(length) ? (append ? have : 0) + length : null;
  let done = append ? have : 0;
  const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
  try {
    await new Promise<void>((resolvePromise, reject) => {
      res.on('data', (chunk: Buffer) => {
        done += chunk.length;
        options.onProgress?.(done, total);
      });
      res.on('aborted', () => reject(new Error('the connection was closed before the download finished')));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete || (total !== null && done < total)) reject(new Error('the connection was closed before the download finished'));
        else resolvePromise();
      });
      res.pipe(out, { end: false });
    });
  } finally {
    await new Promise<void>((r) => out.end(r));
  }
  return { total };
}

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const part = `${options.dest}.part`;
  const resumedFrom = existsSync(part) ? statSync(part).size : 0;
  const attempts = options.attempts ?? 3;
  let lastError: unknown = null;
  for (let i = 0; i < attempts; i++) {
    if (options.signal?.aborted) throw cancelledError('the download');
    try {
      await attempt(options, part);
      lastError = null;
      break;
    } catch (error) {
      if (options.signal?.aborted) throw cancelledError('the download');
      if (error instanceof EngineError) throw error;
      lastError = error;
    }
  }
  if (lastError) {
    throw new EngineError('io', `${options.url}: download interrupted (${(lastError as Error).message}); run it again to resume from ${statSync(part).size} bytes`, { file: part });
  }
  const sha256 = await hashFile(part);
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
    unlinkSync(part);
    throw new EngineError('bad_input', `${options.url}: checksum mismatch: expected sha256 ${options.sha256.toLowerCase()}, got ${sha256}; the partial file was deleted`, { file: options.dest });
  }
  renameSync(part, options.dest);
  return { file: options.dest, bytes: statSync(options.dest).size, sha256, resumedFrom };
}
