// The downloader against a local HTTP server: a normal download, a server that drops the connection
// halfway (resumed with a Range request), one that serves wrong bytes (checksum error), and cancel.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile } from '../../../src-main/engine/downloads/download.ts';
import { tempDir } from '../inference/helpers.ts';

const body = randomBytes(256 * 1024);
const sha = createHash('sha256').update(body).digest('hex');
const ranges: (string | undefined)[] = [];
let dropsLeft = 0;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const range = req.headers.range;
    ranges.push(range);
    const from = range ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
    if (req.url === '/wrong') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(Buffer.alloc(body.length, 7));
      return;
    }
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1024));
      return; // never finishes: only cancel ends it
    }
    if (req.url === '/shifted' && range) {
      // Answers a Range request with the whole body labelled as another range (a broken cache).
      res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes 0-${body.length - 1}/${body.length}` });
      res.end(body);
      return;
    }
    const part = body.subarray(from);
    res.writeHead(range ? 206 : 200, { 'content-length': part.length, ...(range ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}) });
    if (req.url === '/drop' && dropsLeft > 0) {
      dropsLeft--;
      res.write(part.subarray(0, Math.floor(part.length / 2)), () => res.destroy());
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('model downloader', () => {
  it('downloads and verifies the sha256, reporting progress', async () => {
    const dest = join(tempDir(), 'm.onnx');
    const seen: number[] = [];
    const result = await downloadFile({ url: `${base}/ok`, dest, sha256: sha, onProgress: (done) => seen.push(done) });
    expect(result).toMatchObject({ bytes: body.length, sha256: sha, resumedFrom: 0 });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(seen[seen.length - 1]).toBe(body.length);
  });

  it('resumes with a Range request when the connection drops halfway', async () => {
    const dest = join(tempDir(), 'm.onnx');
    dropsLeft = 1;
    ranges.length = 0;
    const result = await downloadFile({ url: `${base}/drop`, dest, sha256: sha });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(result.sha256).toBe(sha);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeGreaterThan(0);
  });

  it('a later call resumes a .part left by an interrupted one', async () => {
    const dest = join(tempDir(), 'm.onnx');
    dropsLeft = 1;
    await expect(downloadFile({ url: `${base}/drop`, dest, sha256: sha, attempts: 1 })).rejects.toThrow(/interrupted.*run it again to resume/);
    expect(existsSync(`${dest}.part`)).toBe(true);
    const result = await downloadFile({ url: `${base}/drop`, dest, sha256: sha });
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it('rejects wrong bytes with a checksum error and keeps nothing', async () => {
    const dest = join(tempDir(), 'm.onnx');
    await expect(downloadFile({ url: `${base}/wrong`, dest, sha256: sha })).rejects.toThrow(/checksum mismatch: expected sha256/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('restarts from scratch when the server ignores Range', async () => {
    const dest = join(tempDir(), 'm.onnx');
    writeFileSync(`${dest}.part`, Buffer.alloc(1000, 1));
    const result = await downloadFile({ url: `${base}/wrong`, dest });
    expect(readFileSync(dest).equals(Buffer.alloc(body.length, 7))).toBe(true);
    expect(result.bytes).toBe(body.length);
  });

  it('never appends a range other than the one asked for: starts over and still ends with the right bytes', async () => {
    const dest = join(tempDir(), 'm.onnx');
    writeFileSync(`${dest}.part`, body.subarray(0, 1000));
    const result = await downloadFile({ url: `${base}/shifted`, dest, sha256: sha });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(result.sha256).toBe(sha);
  });

  it('cancels', async () => {
    const dest = join(tempDir(), 'm.onnx');
    const controller = new AbortController();
    const pending = downloadFile({ url: `${base}/slow`, dest, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(existsSync(dest)).toBe(false);
  });
});
