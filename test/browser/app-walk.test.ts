// The app walked end to end in headless Debian chromium against `unitscope serve`: create a project,
// the dashboard's five linked charts, layer choice driving the CSI chart, the unit inspector, a PNG
// export, a cancelled run; a screenshot of each screen goes to test-results/screenshots/.
// The tiny generated CNN and seeded images keep it fast (a run takes a few seconds on 2 cores).
// Not yet walked through the UI (their engine calls are not in the contract yet): importing stimuli and
// generating an untrained model; the project is made with the run tests' tiny-project builder instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { canvasInkFraction, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-walk-'));
const projectPath = join(dir, 'tiny.unitscope');
let server: ChildProcess;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `walk-${name}.png`) });
const summary = (testid: string) => page.getByTestId(testid).getAttribute('data-summary');

beforeAll(async () => {
  // 60 images per category: enough that a run lasts long enough to be cancelled from the page.
  await makeTinyProject(projectPath, 60, 3);
  const run = runCli(['run', projectPath, '--model', 'tiny', '--json'], { timeoutMs: 240_000 });
  expect(run.code, run.stderr).toBe(0);
  server = spawnCli(['serve', projectPath, '--port', '0', '--root', dir]);
  const url = await waitForServeUrl(server);
  const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

describe('serve mode walk', () => {
  it('opens on the dashboard of the latest finished run with five drawn charts', async () => {
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('tiny');
    // A layer with a spatial map (the default deepest layer is the 1-D average pool).
    await page.getByTestId('layer-select').selectOption('layer1.0');
    for (const id of ['chart-proportion', 'chart-csi', 'chart-channels', 'chart-spatial', 'chart-consistency']) {
      const chart = page.getByTestId(id);
      await chart.waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000, message: `${id} stays blank` }).toBeGreaterThan(0.01);
    }
    await shot('results');
  });

  it('choosing another layer changes the CSI chart data', async () => {
    const select = page.getByTestId('layer-select');
    await select.selectOption('layer1.0');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer1\.0\|/);
    const before = await summary('chart-csi');
    await select.selectOption('layer3.0');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer3\.0\|/);
    expect(await summary('chart-csi')).not.toBe(before);
    // The other charts follow the same selection.
    await expect.poll(() => summary('chart-channels')).toMatch(/^layer3\.0\|/);
    await expect.poll(() => summary('chart-spatial')).toMatch(/^layer3\.0\|/);
  });

  it('choosing another category updates the charts', async () => {
    await page.getByTestId('category-select').selectOption('scenes');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer3\.0\|scenes\|/);
    await page.getByTestId('category-select').selectOption('faces');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer3\.0\|faces\|/);
  });

  it('opens the inspector for a clicked unit', async () => {
    const row = page.getByTestId('unit-row').first();
    await row.waitFor({ timeout: 30_000 });
    const unit = (await row.textContent())?.trim();
    await row.click();
    const inspector = page.getByTestId('unit-inspector');
    await inspector.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => inspector.textContent()).toContain(`Unit ${unit}`);
    await expect.poll(() => inspector.locator('td').first().textContent(), { timeout: 30_000 }).toBe('faces');
    await shot('inspector');
    await page.keyboard.press('Escape');
    await inspector.waitFor({ state: 'detached' });
  });

  it('downloads a PNG of a chart', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-proportion').getByTestId('export-png').click()]);
    expect(download.suggestedFilename()).toMatch(/proportion\.png$/);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.length).toBeGreaterThan(2000);
  });

  it('starts a run and cancels it', async () => {
    await page.getByTestId('nav-run').click();
    await page.getByTestId('run-model').fill('tiny');
    await shot('run');
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-progress').waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByTestId('run-cancel').click();
    await expect.poll(() => page.getByTestId('run-message').textContent(), { timeout: 60_000 }).toContain('cancelled');
    await expect.poll(() => page.getByTestId('run-status').allTextContents(), { timeout: 30_000 }).toContain('cancelled');
    await shot('run-cancelled');
  });

  it('creates a new project from a path under the served folder', async () => {
    await page.getByTestId('nav-start').click();
    await page.getByTestId('create-path').fill(join(dir, 'fresh.unitscope'));
    await page.getByTestId('create-name').fill('fresh study');
    await shot('start');
    await page.getByTestId('create-project').click();
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('fresh study');
    await shot('project');
  });

  it('switches to the light theme in settings', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('theme-light').check();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await shot('settings-light');
  });
});
