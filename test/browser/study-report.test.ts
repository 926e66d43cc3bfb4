// `unitscope study` on the demo with two models writes a report folder whose HTML opens in Chromium
// with every figure drawn and no page errors, and whose methods paragraph names every model's sha256.
// Screenshot: test-results/screenshots/study-cli-report.png.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { runCli } from '../support/run-cli.ts';
import { launchChromium, SCREENSHOT_DIR } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-study-report-'));
const project = join(dir, 'demo.unitscope');
let browser: Browser;

beforeAll(async () => {
  expect(runCli(['demo', '--out', dir]).code).toBe(0);
  const file = join(dir, 'tiny-7.onnx');
  expect(runCli(['model', 'generate', 'tiny', '--seed', '7', '--out', file]).code).toBe(0);
  expect(runCli(['model', 'add', project, file, '--name', 'tiny-7', '--preset', 'none']).code).toBe(0);
  browser = await launchChromium();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

it('writes a report whose every figure draws in Chromium, naming every model by sha256', async () => {
  const out = join(dir, 'report');
  const study = runCli(['study', project, '--models', 'tiny-cnn,tiny-7', '--iterations', '100', '--report', out]);
  expect(study.code, study.stderr).toBe(0);
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });
  const figures = page.locator('figure svg');
  expect(await figures.count()).toBe(6);
  for (const box of await figures.evaluateAll((svgs) => svgs.map((s) => { const r = s.getBoundingClientRect(); return { w: r.width, h: r.height, paths: s.querySelectorAll('path').length }; }))) {
    // readable: the page's width (960 px less padding), drawn with many paths
    expect(box.w).toBeGreaterThan(800);
    expect(box.h).toBeGreaterThan(200);
    expect(box.paths).toBeGreaterThan(20);
  }
  const models = JSON.parse(runCli(['model', 'list', project, '--json']).stdout) as { name: string; sha256: string }[];
  const methods = (await page.locator('h2:text("Methods") ~ p').allTextContents()).join(' ');
  for (const m of models) expect(methods).toContain(`sha256 ${m.sha256}`);
  // The manifest appendix wraps: nothing is wider than the page.
  const overflow = await page.evaluate(() => Array.from(document.querySelectorAll('pre')).some((p) => p.scrollWidth > p.clientWidth + 1));
  expect(overflow).toBe(false);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'study-cli-report.png'), fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
});
