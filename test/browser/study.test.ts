// The Study screen end to end in serve mode: a study of three generated models on the demo set is
// started from the UI, runs with one progress bar and shows the paper's figures; a figure exported as
// SVG has its title, axis titles and caption and no cursor line; a PNG at 300 dpi has the pixel size of
// its physical width; the HTML report draws every figure with no page errors; a dashboard chart's
// export drops its selection cursor. Screenshots: test-results/screenshots/study-*.png.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Download, Page } from 'playwright-core';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { launchChromium, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-study-ui-'));
const projectPath = join(dir, 'demo.unitscope');
let server: ChildProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `study-${name}.png`), fullPage: true });

async function downloaded(click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()]);
  const file = await (download as Download).path();
  return { name: (download as Download).suggestedFilename(), bytes: readFileSync(file) };
}

beforeAll(async () => {
  const demo = runCli(['demo', '--out', dir]);
  expect(demo.code, demo.stderr).toBe(0);
  for (const seed of [1, 2]) {
    const file = join(dir, `tiny-${seed}.onnx`);
    expect(runCli(['model', 'generate', 'tiny', '--seed', String(seed), '--out', file]).code).toBe(0);
    const added = runCli(['model', 'add', projectPath, file, '--name', `tiny-${seed}`, '--preset', 'none']);
    expect(added.code, added.stderr).toBe(0);
  }
  server = spawnCli(['serve', projectPath, '--port', '0']);
  const url = await waitForServeUrl(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.getByTestId('nav-study').waitFor({ state: 'visible', timeout: 60_000 });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

it('runs a study of three models from the UI with one progress bar and shows the figures', async () => {
  await page.getByTestId('nav-study').click();
  for (const m of ['tiny-cnn', 'tiny-1', 'tiny-2']) await page.getByTestId(`study-model-${m}`).check();
  // Fewer bootstrap iterations than the default 1,000 keep the test short.
  await page.getByTestId('study-iterations').fill('100');
  await page.getByTestId('study-start').click();
  const bar = page.getByTestId('study-progress');
  await bar.waitFor({ state: 'visible', timeout: 30_000 });
  // One bar for the whole study, whatever step it is in.
  await expect.poll(() => page.locator('progress').count()).toBe(1);
  await page.getByTestId('study-message').waitFor({ state: 'visible', timeout: 240_000 });
  expect(await page.getByTestId('study-message').textContent()).toMatch(/2 of 3 models run, 1 reused .*, 3 comparisons/);
  const figures = page.locator('[data-testid^="study-figure-"]');
  await expect.poll(() => figures.count(), { timeout: 60_000 }).toBe(6);
  // Every figure is drawn: its picture has loaded with a size.
  const sizes = await figures.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth));
  expect(sizes.every((w) => typeof w === 'number' && w > 600)).toBe(true);
  await shot('screen');
  for (const kind of ['proportion', 'csi', 'evenness', 'consistency', 'spatial', 'activation']) {
    await page.getByTestId(`study-figure-${kind}`).screenshot({ path: join(SCREENSHOT_DIR, `study-figure-${kind}.png`) });
  }
  expect(pageErrors).toEqual([]);
});

it('exports a figure as SVG with title, axis titles and caption, and a 300 dpi PNG of the right size', async () => {
  const figure = page.getByTestId('study-figure-proportion');
  const svg = (await downloaded(() => figure.getByTestId('figure-export-svg').click())).bytes.toString('utf8');
  expect(svg).toMatch(/^<svg /);
  // The words as a reader sees them (the caption is wrapped over several lines).
  const words = svg.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  expect(words).toContain('Proportion of category-selective units across depth');
  expect(words).toContain('relative depth');
  expect(words).toContain('selective units (%)');
  expect(words).toMatch(/Project demo\. Models: tiny-cnn \(run \d+\), tiny-1 \(run \d+\), tiny-2 \(run \d+\)/);
  expect(words).toMatch(/n images per category: faces 24/);
  // No UI state: no hover styles, no tooltip, no brush.
  expect(svg).not.toContain(':hover');

  await figure.getByTestId('figure-width').selectOption('89');
  const png = (await downloaded(() => figure.getByTestId('figure-export-png').click())).bytes;
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // 89 mm at 300 dpi: 89 / 25.4 x 300 = 1051 pixels wide.
  expect(png.readUInt32BE(16)).toBe(Math.round((89 / 25.4) * 300));
  const pdf = (await downloaded(() => figure.getByTestId('figure-export-pdf').click())).bytes;
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  // The font is embedded (a FontFile2 stream of DejaVu Sans), not left to the reader.
  expect(pdf.toString('latin1')).toMatch(/FontFile2/);
});

it('downloads a report that draws every figure with no page errors', async () => {
  const report = await downloaded(() => page.getByTestId('study-report').click());
  expect(report.name).toMatch(/report\.html$/);
  const html = report.bytes.toString('utf8');
  const reportPage = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  reportPage.on('pageerror', (e) => errors.push(e.message));
  await reportPage.setContent(html, { waitUntil: 'load' });
  const drawn = await reportPage.locator('figure svg').evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('path').length));
  expect(drawn).toHaveLength(6);
  expect(drawn.every((n) => n > 20)).toBe(true);
  expect(await reportPage.locator('body').textContent()).toMatch(/sha256 [0-9a-f]{64}/);
  await reportPage.screenshot({ path: join(SCREENSHOT_DIR, 'study-report.png'), fullPage: true });
  expect(errors).toEqual([]);
  await reportPage.close();
});

it('a dashboard chart exports without its selection cursor, with its title and caption', async () => {
  await page.getByTestId('nav-results').click();
  const chart = page.getByTestId('chart-proportion');
  await chart.waitFor({ state: 'visible', timeout: 60_000 });
  // On screen the selected layer is marked by a dashed cursor line (markLine); the export has none.
  const svg = (await downloaded(() => chart.getByTestId('export-svg').click())).bytes.toString('utf8');
  const words = svg.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  expect(words).toContain('Project demo.');
  expect(words).toMatch(/n images per category: faces 24/);
  expect(svg).not.toContain('stroke-dasharray');
  expect(svg).not.toContain(':hover');
  expect(pageErrors).toEqual([]);
});

it('every explanation links to its section of the method page', async () => {
  await page.getByTestId('nav-study').click();
  const link = page.getByTestId('explain-consistency');
  expect(await link.getAttribute('title')).toMatch(/Spearman/);
  await link.click();
  await page.getByTestId('method-page').waitFor({ state: 'visible' });
  expect(await page.locator('#consistency').count()).toBe(1);
});
