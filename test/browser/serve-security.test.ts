// Serve mode in a real Chromium (issue 14 items 2 and 4): the token leaves the address bar once the page
// has connected and a reload still works on the cookie; a page on another port of 127.0.0.1 (the same
// site, so the browser sends the cookie along) cannot open the API socket or read the session; and the
// scramble form checks the new category's name with the contract's rule (its old HTML pattern was an
// invalid regex under Chromium's `v` flag, so the check was silently off).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext } from 'playwright-core';
import { spawnCli } from '../support/run-cli.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { launchChromium, waitForServeUrl } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-serve-security-'));
let server: ChildProcess;
let other: Server;
let browser: Browser;
let context: BrowserContext;
let url: string;

beforeAll(async () => {
  await makeTinyProject(join(dir, 'p.unitscope'), 3, 1);
  server = spawnCli(['serve', join(dir, 'p.unitscope'), '--port', '0'], { env: { UNITSCOPE_HOME: join(dir, 'home') } });
  url = await waitForServeUrl(server);
  // Any other page on this machine: here a plain server on another port of 127.0.0.1.
  other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another page</title>'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  other?.close();
  server?.kill('SIGTERM');
});

it('takes the token out of the address bar, and a reload still works on the cookie', async () => {
  const page = await context.newPage();
  await page.goto(url);
  await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toContain('tiny');
  expect(page.url()).not.toContain('token');
  await page.reload();
  await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toContain('tiny');
});

it('refuses the API socket to a page on another port of 127.0.0.1, although the cookie rides along', async () => {
  const port = new URL(url).port;
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
  const outcome = await page.evaluate(
    (target) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(target);
        socket.onopen = () => socket.send(JSON.stringify({ type: 'call', id: 1, method: 'app.session', args: {} }));
        socket.onmessage = (event) => resolve(`read: ${String(event.data)}`);
        socket.onerror = () => resolve('refused');
        setTimeout(() => resolve('timeout'), 10_000);
      }),
    `ws://127.0.0.1:${port}/api`,
  );
  expect(outcome).toBe('refused');
  // Reading the app's page from there fails too (no CORS; subresource requests from another site are refused).
  const read = await page.evaluate(async (target) => fetch(target, { credentials: 'include' }).then((r) => r.text(), () => 'blocked'), `http://127.0.0.1:${port}/`);
  expect(read).toBe('blocked');
});

it('the scramble form refuses a category name that is a path, with the contract\'s message', async () => {
  const page = await context.newPage();
  await page.goto(url.replace(/\?token=.*$/, ''));
  await page.getByTestId('nav-project').click();
  const as = page.getByTestId('scramble-as');
  await as.fill('../outside');
  await expect.poll(() => page.getByTestId('scramble-as-error').textContent(), { timeout: 10_000 }).toContain('a name cannot contain /');
  expect(await page.getByTestId('scramble-start').isDisabled()).toBe(true);
  await as.fill('CON');
  await expect.poll(() => page.getByTestId('scramble-as-error').textContent()).toContain('device name');
  await as.fill('scrambled faces');
  await expect.poll(() => page.getByTestId('scramble-as-error').count()).toBe(0);
  expect(await page.getByTestId('scramble-start').isDisabled()).toBe(false);
});
