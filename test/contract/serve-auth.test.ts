// Serve mode refuses every request and socket that does not carry the session token.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Engine } from '../../src-main/engine/engine.ts';
import { startServer, type RunningServer } from '../../src-main/serve/http-server.ts';

let server: RunningServer;
const engine = new Engine();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscope-serve-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  server = await startServer({ engine, staticDir: dir });
});
afterAll(async () => {
  await server.close();
  engine.close();
});

it('binds to 127.0.0.1 and prints a URL with a random token', () => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
});

it('rejects a page request without the token and serves it with the token', async () => {
  const base = `http://127.0.0.1:${server.port}/`;
  expect((await fetch(base)).status).toBe(403);
  expect((await fetch(`${base}?token=wrong`)).status).toBe(403);
  const ok = await fetch(server.url);
  expect(ok.status).toBe(200);
  expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
  const cookie = ok.headers.get('set-cookie') ?? '';
  expect(cookie).toContain('HttpOnly');
  // The cookie alone authorizes the page's own follow-up requests.
  expect((await fetch(base, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
});

it('rejects a WebSocket without the token', async () => {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api`);
  const outcome = await new Promise<string>((resolve) => {
    socket.once('open', () => resolve('open'));
    socket.once('error', () => resolve('refused'));
    socket.once('unexpected-response', () => resolve('refused'));
  });
  expect(outcome).toBe('refused');
});
