// The Compare screen end to end: `unitscope demo` builds a project with a finished run, a second model
// (the same generator, another seed) is added and run from the CLI, `unitscope serve` serves it, and
// headless chromium opens Compare. The table must show what results.compare returns (in-process engine on
// the same file): both values with their intervals, A - B, p, q and n per category; the unit-level tests
// are labelled descriptive. Screenshot: test-results/screenshots/compare-table.png.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { launchChromium, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-compare-ui-'));
const projectPath = join(dir, 'demo.unitscope');
const engine = new Engine();
const client = connectInProcess(engine);
let server: ChildProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  expect(runCli(['demo', '--out', dir]).code).toBe(0);
  const other = join(dir, 'other.onnx');
  for (const args of [
    ['model', 'generate', 'tiny', '--seed', '5', '--out', other],
    ['model', 'add', projectPath, other, '--name', 'other'],
    ['run', projectPath, '--model', 'other'],
  ]) {
    const r = runCli(args);
    expect(r.code, r.stderr).toBe(0);
  }
  server = spawnCli(['serve', projectPath, '--port', '0']);
  const url = await waitForServeUrl(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.getByTestId('nav-compare').waitFor({ state: 'visible', timeout: 60_000 });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  client.disconnect();
  engine.close();
});

it('shows both runs, A - B with its interval, p, q and n, as results.compare returns them', async () => {
  await page.getByTestId('nav-compare').click();
  const table = page.getByTestId('compare-table');
  await table.waitFor({ state: 'visible', timeout: 240_000 });
  const expected = await client.call('results.compare', { path: projectPath, runs: [1, 2] });
  const images = expected.images.map((c) => `${c.category} ${c.a}/${c.b}`).join(', ');
  await expect.poll(() => page.getByTestId('compare-images').textContent()).toContain(images);
  const rows = expected.rows.filter((r) => r.metric === 'proportion');
  await expect.poll(() => table.getByTestId('compare-row').count()).toBe(rows.length);
  const num = (v: number | null, digits = 4) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toPrecision(digits));
  const cells = await table.getByTestId('compare-row').first().locator('td').allTextContents();
  const r = rows[0]!;
  expect(cells.slice(0, 2)).toEqual([r.layerA, r.category]);
  expect(cells[2]).toBe(num(r.valueA));
  expect(cells[3]).toBe(`${num(r.ciA.low)} – ${num(r.ciA.high)}`);
  expect(cells[4]).toBe(num(r.valueB));
  expect(cells[6]).toBe(`${num(r.diff)}${r.significant ? ' *' : ''}`);
  expect(cells[7]).toBe(`${num(r.ciDiff.low)} – ${num(r.ciDiff.high)}`);
  expect(cells[8]).toBe(num(r.p, 3));
  expect(cells[9]).toBe(num(r.q, 3));
  expect(cells[10]).toBe(`${r.n.imagesA} / ${r.n.imagesB}`);
  await expect.poll(() => page.getByTestId('compare-unit-level').locator('caption').textContent()).toMatch(/descriptive only/);
  await page.getByTestId('compare-metric').selectOption('proportion_slope');
  await expect.poll(() => table.getByTestId('compare-row').first().locator('td').first().textContent()).toBe('all (slope)');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'compare-table.png'), fullPage: true });
}, 300_000);
