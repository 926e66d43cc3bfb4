// A local HTTP server for download tests (never the internet): serves in-memory files by path with
// Range support, can pace an answer, drop the connection halfway through the next N answers of a path, redirect, or
// answer an HTTP error, and records every request it saw.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  base: string;
  /** Request lines seen: `GET /path range` (range empty when none). */
  requests: { path: string; range: string | undefined }[];
  files: Map<string, Buffer>;
  /** Drop the next `count` answers for `path` after half of the body. */
  dropNext(path: string, count: number): void;
  redirect(from: string, to: string): void;
  /** Send `path` in `chunk`-byte pieces `delayMs` apart (so progress can be watched). */
  slow(path: string, chunk: number, delayMs: number): void;
  fail(path: string, status: number): void;
  close(): Promise<void>;
}

export async function startFileServer(files: Record<string, Buffer> = {}): Promise<FileServer> {
  const map = new Map(Object.entries(files));
  const drops = new Map<string, number>();
  const redirects = new Map<string, string>();
  const failures = new Map<string, number>();
  const slow = new Map<string, { chunk: number; delayMs: number }>();
  const requests: FileServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, range: req.headers.range });
    const to = redirects.get(path);
    if (to) {
      res.writeHead(302, { location: to });
      return res.end();
    }
    const status = failures.get(path);
    if (status) {
      res.writeHead(status);
      return res.end('no');
    }
    const body = map.get(path);
    if (!body) {
      res.writeHead(404);
      return res.end('not found');
    }
    const from = req.headers.range ? Number(/bytes=(\d+)-/.exec(req.headers.range)?.[1] ?? 0) : 0;
    if (from >= body.length && from > 0) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` });
      return res.end();
    }
    const part = body.subarray(from);
    res.writeHead(req.headers.range ? 206 : 200, {
      'content-length': part.length,
      'accept-ranges': 'bytes',
      ...(req.headers.range ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    const left = drops.get(path) ?? 0;
    if (left > 0) {
      drops.set(path, left - 1);
      res.write(part.subarray(0, Math.floor(part.length / 2)), () => res.destroy());
      return;
    }
    const pace = slow.get(path);
    if (pace) {
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        if (at >= part.length) return void res.end();
        res.write(part.subarray(at, at + pace.chunk));
        at += pace.chunk;
        setTimeout(next, pace.delayMs);
      };
      return next();
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    files: map,
    dropNext: (path, count) => drops.set(path, count),
    redirect: (from, to) => redirects.set(from, to),
    slow: (path, chunk, delayMs) => slow.set(path, { chunk, delayMs }),
    fail: (path, status) => failures.set(path, status),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
