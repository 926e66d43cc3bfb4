// Serve mode end to end: `unitscope demo` makes a project with a finished run, `unitscope serve` serves
// it, headless Debian chromium opens the printed URL, and the proportion chart must have drawn (its
// canvas holds non-background pixels). A blank chart fails the test.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { launchChromium, waitForServeUrl, canvasInkFraction, SCREENSHOT_DIR } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-serve-'));
let server: ChildProcess;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const demo = runCli(['demo', '--out', dir]);
  expect(demo.code, demo.stderr).toBe(0);
  server = spawnCli(['serve', join(dir, 'demo.unitscope'), '--port', '0']);
  url = await waitForServeUrl(server);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

it('shows the project name and draws the proportion chart', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toContain('demo');
  const chart = page.getByTestId('chart-proportion');
  await chart.waitFor({ state: 'visible', timeout: 30_000 });
  await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000 }).toBeGreaterThan(0.01);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'serve-dashboard.png') });
});

it('refuses the page without the session token', async () => {
  const page = await browser.newPage();
  const response = await page.goto(url.replace(/\?token=.*$/, ''));
  expect(response?.status()).toBe(403);
});
