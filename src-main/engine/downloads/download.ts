// Downloads: streamed to DEST.part next to the target, resumed with an HTTP Range request after a
// dropped connection (within the call, and by a later call: the .part stays until it is complete),
// cancellable, capped in size, and verified by sha256 before the file takes its final name, so nothing
// half-written ever carries a real name. Proxies and the URL policy come from http.ts / url-policy.ts.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rename, rm, truncate } from 'node:fs/promises';
import { EngineError, cancelledError } from '../errors.ts';
import { createDispatcher, describeNetworkError, get, headerValue, NetworkFailure, proxyEnvironment, type ProxyEnvironment, type Response } from './http.ts';
import { OPEN_POLICY, type UrlPolicy } from './url-policy.ts';

export interface DownloadOptions {
  url: string;
  dest: string;
  sha256?: string | null;
  signal?: AbortSignal;
  /** Bytes so far (including any resumed from a .part) and the total when the server says. */
  onProgress?: (doneBytes: number, totalBytes: number | null) => void;
  /** Attempts within this call when the connection drops (each resumes where the last stopped). */
  attempts?: number;
  /** Refuse a body longer than this (a wrong URL, or a server streaming forever). */
  maxBytes?: number;
  policy?: UrlPolicy;
  proxies?: ProxyEnvironment;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  sha256: string;
  resumedFrom: number;
}

/** One .part per destination at a time: two downloads appending to the same file would corrupt it. */
const active = new Set<string>();

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function partSize(part: string): number {
  return existsSync(part) ? statSync(part).size : 0;
}

const HTTP_REASONS: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 410: 'Gone', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

function httpError(url: string, status: number): EngineError | NetworkFailure {
  const text = `the server answered HTTP ${status}${HTTP_REASONS[status] ? ` ${HTTP_REASONS[status]}` : ''}`;
  if (status >= 500 || status === 429) return new NetworkFailure(text, true);
  return new EngineError(status === 404 || status === 410 ? 'not_found' : 'io', `${url}: ${text}`);
}

/** Where a 206 answer starts, from its Content-Range (`bytes 100-999/1000`). */
function rangeStart(res: Response): number | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(headerValue(res, 'content-range') ?? '');
  return match ? Number(match[1]) : null;
}

/** One attempt: appends to the .part from its current size. Resolves when the body ended cleanly. */
async function attempt(options: DownloadOptions, part: string, fetchOptions: Omit<Parameters<typeof get>[1], 'headers'>): Promise<void> {
  let have = partSize(part);
  const res = await get(options.url, { ...fetchOptions, headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  if (res.status === 416 && have > 0) {
    // The .part already holds the whole file (the sha256 check decides whether it is the right one).
    res.body.resume();
    return;
  }
  if (res.status !== 200 && res.status !== 206) {
    res.body.resume();
    throw httpError(options.url, res.status);
  }
  if (res.status === 206 && rangeStart(res) !== have) {
    // Another range than the one asked for: its bytes cannot be appended. Start over on the next attempt.
    res.body.destroy();
    await truncate(part, 0);
    throw new NetworkFailure(`the server answered a different range than bytes=${have}-`, true);
  }
  if (res.status === 200 && have > 0) {
    // The server ignored the Range and sends the whole file: start over.
    await truncate(part, 0);
    have = 0;
  }
  const length = Number(headerValue(res, 'content-length') ?? NaN);
  const total = Number.isFinite(length) ? have + length : null;
  const limit = options.maxBytes ?? Infinity;
  if (total !== null && total > limit) {
    res.body.resume();
    throw new EngineError('bad_input', `${options.url}: the server offers ${total} bytes, more than the ${limit} expected; not downloading it`);
  }
  let done = have;
  options.onProgress?.(done, total);
  const out = createWriteStream(part, { flags: have > 0 ? 'a' : 'w' });
  const written = new Promise<void>((resolvePromise, reject) => {
    out.on('error', reject);
    out.on('close', resolvePromise);
  });
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      done += chunk.length;
      if (done > limit) throw new EngineError('bad_input', `${options.url}: more than the ${limit} bytes expected; stopped`);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      options.onProgress?.(done, total);
    }
  } catch (error) {
    if (error instanceof EngineError) throw error;
    if (options.signal?.aborted) throw cancelledError('the download');
    throw describeNetworkError(options.url, error);
  } finally {
    out.end();
    await written;
  }
  if (total !== null && done < total) throw new NetworkFailure('the connection was closed before the download finished', true);
}

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const part = `${options.dest}.part`;
  if (active.has(part)) throw new EngineError('conflict', `${options.dest} is already being downloaded`, { file: options.dest });
  active.add(part);
  const dispatcher = createDispatcher(options.policy ?? OPEN_POLICY, options.proxies ?? proxyEnvironment());
  try {
    const resumedFrom = partSize(part);
    const attempts = options.attempts ?? 3;
    let lastError: NetworkFailure | null = null;
    for (let i = 0; i < attempts; i++) {
      if (options.signal?.aborted) throw cancelledError('the download');
      try {
        await attempt(options, part, { policy: options.policy ?? OPEN_POLICY, dispatcher, ...(options.signal ? { signal: options.signal } : {}) });
        lastError = null;
        break;
      } catch (error) {
        if (options.signal?.aborted) throw cancelledError('the download');
        if (!(error instanceof NetworkFailure) || !error.retryable) throw error;
        lastError = error;
      }
    }
    if (lastError) {
      throw new EngineError('io', `${options.url}: download interrupted (${lastError.message}); run it again to resume from ${partSize(part)} bytes`, { file: part });
    }
    const sha256 = await hashFile(part);
    if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
      await rm(part, { force: true });
      throw new EngineError('bad_input', `${options.url}: checksum mismatch: expected sha256 ${options.sha256.toLowerCase()}, got ${sha256} (wrong bytes: a different file or a corrupted copy); the download was deleted`, { file: options.dest });
    }
    await rename(part, options.dest);
    return { file: options.dest, bytes: statSync(options.dest).size, sha256, resumedFrom };
  } finally {
    active.delete(part);
    await dispatcher.destroy().catch(() => {});
  }
}
