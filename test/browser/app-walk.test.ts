// The app walked end to end through the UI in headless Debian chromium against `unitscope serve`:
// create a project from a folder of images (made here with sharp), import it with a control category,
// check it, generate a scrambled control, generate the untrained tiny CNN, run, the dashboard's five
// linked charts, layer choice driving the CSI chart, the unit inspector, a PNG export, a cancelled run,
// the recent-projects list. A screenshot of each screen goes to test-results/screenshots/walk-*.png.
// The tiny CNN (64 px) and small images keep it fast on 2 cores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { spawnCli } from '../support/run-cli.ts';
import { canvasInkFraction, launchChromium, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-walk-'));
const stimuliDir = join(dir, 'stimuli');
const projectPath = join(dir, 'walk.unitscope');
const PER_CATEGORY = 40;
/** Each category has its own mean colour (plus seeded noise), so the untrained CNN has selective units. */
const CATEGORIES: { name: string; colour: [number, number, number] }[] = [
  { name: 'faces', colour: [200, 80, 60] },
  { name: 'scenes', colour: [60, 160, 90] },
  { name: 'objects', colour: [70, 90, 200] },
  { name: 'scrambled_scenes', colour: [120, 120, 120] },
];
const CHARTS = ['chart-proportion', 'chart-csi', 'chart-channels', 'chart-spatial', 'chart-consistency'];

let server: ChildProcess;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `walk-${name}.png`) });
const summary = (testid: string) => page.getByTestId(testid).getAttribute('data-summary');

/** A small deterministic generator (mulberry32) so the images are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeImages(): Promise<void> {
  const size = 72;
  const next = random(7);
  for (const c of CATEGORIES) {
    mkdirSync(join(stimuliDir, c.name), { recursive: true });
    for (let i = 0; i < PER_CATEGORY; i++) {
      const pixels = Buffer.alloc(size * size * 3);
      for (let p = 0; p < size * size; p++) {
        for (let ch = 0; ch < 3; ch++) pixels[p * 3 + ch] = Math.max(0, Math.min(255, Math.round(c.colour[ch]! + (next() - 0.5) * 120)));
      }
      writeFileSync(join(stimuliDir, c.name, `${c.name}-${String(i).padStart(2, '0')}.png`), await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer());
    }
  }
}

beforeAll(async () => {
  await writeImages();
  // The recent-projects list goes to a folder of this test, not the user's config.
  server = spawnCli(['serve', '--port', '0', '--root', dir], { env: { UNITSCOPE_HOME: join(dir, 'home') } });
  const url = await waitForServeUrl(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

describe('serve mode walk', () => {
  it('creates a project from the start screen', async () => {
    await page.getByTestId('create-path').fill(projectPath);
    await page.getByTestId('create-name').fill('walk study');
    await shot('start');
    await page.getByTestId('create-project').click();
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('walk study');
  });

  it('imports the folder with the scrambled scenes as their control', async () => {
    await page.getByTestId('import-source').fill(stimuliDir);
    // The sub-folders are listed with a role each; the scrambled one is guessed as the scenes' control.
    await page.getByTestId('import-roles').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('role-scrambled_scenes').inputValue()).toBe('control:scenes');
    expect(await page.getByTestId('role-faces').inputValue()).toBe('target');
    await page.getByTestId('import-start').click();
    await expect.poll(() => page.getByTestId('import-result').textContent(), { timeout: 120_000 }).toContain(`${PER_CATEGORY * CATEGORIES.length} imported`);
    const rows = await page.getByTestId('category-table').locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(CATEGORIES.length);
    expect(rows.find((r) => r.startsWith('scrambled_scenes'))).toMatch(/^scrambled_scenescontrolscenes40$/);
    // The stimulus browser shows the first category's thumbnails (decoded images, not broken ones).
    await expect.poll(() => page.getByTestId('stimulus-thumb').count(), { timeout: 30_000 }).toBe(PER_CATEGORY);
    expect(await page.getByTestId('stimulus-thumb').first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  });

  it('validates the stimuli and generates a scrambled control', async () => {
    await page.getByTestId('check-start').click();
    await expect.poll(() => page.getByTestId('check-summary').textContent(), { timeout: 60_000 }).toBe(`${PER_CATEGORY * CATEGORIES.length} images: ${PER_CATEGORY * CATEGORIES.length} ok, 0 missing, 0 changed`);
    await page.getByTestId('integrity-start').click();
    await expect.poll(() => page.getByTestId('integrity-summary').textContent(), { timeout: 60_000 }).toMatch(/^ok: \d+ pages, \d+ checksums verified$/);
    await page.getByTestId('scramble-from').selectOption('faces');
    expect(await page.getByTestId('scramble-as').inputValue()).toBe('scrambled_faces');
    await page.getByTestId('scramble-start').click();
    await expect.poll(() => page.getByTestId('category-table').locator('tbody tr').allTextContents(), { timeout: 120_000 }).toContain(`scrambled_facescontrolfaces${PER_CATEGORY}`);
    await page.getByTestId('stimulus-category').filter({ hasText: 'scrambled_faces' }).click();
    await expect.poll(() => page.getByTestId('stimulus-thumb').count(), { timeout: 30_000 }).toBe(PER_CATEGORY);
    await shot('project');
  });

  it('generates the untrained tiny CNN and shows its layers', async () => {
    await page.getByTestId('nav-models').click();
    await page.getByTestId('generate-kind').selectOption('tiny');
    expect(await page.getByTestId('generate-name').inputValue()).toBe('tiny-untrained-s0');
    await page.getByTestId('generate-start').click();
    await expect.poll(() => page.getByTestId('model-row').allTextContents(), { timeout: 60_000 }).toEqual(['tiny-untrained-s0']);
    // The layer picker's table: friendly names, shapes and unit counts from model.layers.
    const layerRows = page.getByTestId('model-layers').locator('tbody tr');
    await expect.poll(() => layerRows.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const first = await layerRows.first().locator('td').allTextContents();
    const [c, h, w] = first[2]!.split('×').map((x) => Number(x.trim()));
    expect(Number(first[3]!.replace(/\D/g, ''))).toBe(c! * h! * w!);
    await shot('models');
  });

  it('runs the model chosen from the library on the layers chosen from its taps', async () => {
    await page.getByTestId('nav-run').click();
    await expect.poll(() => page.getByTestId('run-model').inputValue(), { timeout: 30_000 }).toBe('tiny-untrained-s0');
    const picks = page.getByTestId('layer-pick');
    await expect.poll(() => picks.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    expect(await picks.evaluateAll((boxes) => boxes.every((b) => (b as HTMLInputElement).checked))).toBe(true);
    // The engine picks the batch unless the user sets one; statistics are exact by default.
    expect(await page.getByTestId('run-batch').inputValue()).toBe('');
    expect(await page.getByTestId('run-precision').inputValue()).toBe('float64');
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-progress').waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => page.getByTestId('run-message').textContent(), { timeout: 240_000 }).toMatch(/^Run \d+ finished\.$/);
    await shot('run');
  });

  it('shows the five linked charts, opening on the deepest layer with a spatial map', async () => {
    await page.getByTestId('nav-results').click();
    // The tiny CNN's last tap is a 1-D average pool; the dashboard opens on the last one with H x W > 1.
    await expect.poll(() => page.getByTestId('layer-select').inputValue(), { timeout: 30_000 }).toBe('layer3.0');
    // Every chart is waited for before any is judged, so the screenshot shows the dashboard as it ended.
    const blank: string[] = [];
    for (const id of CHARTS) {
      const chart = page.getByTestId(id);
      await chart.waitFor({ state: 'visible', timeout: 30_000 });
      const drawn = await expect.poll(() => canvasInkFraction(chart), { timeout: 60_000 }).toBeGreaterThan(0.01).then(() => true, () => false);
      if (!drawn) blank.push(`${id}: ${(await chart.getByRole('alert').allTextContents()).join('; ') || 'blank'}`);
    }
    await shot('results');
    expect(blank, 'charts left blank').toEqual([]);
    for (const id of CHARTS) expect(await page.getByTestId(id).getByRole('alert').count(), `${id} shows an error`).toBe(0);
    // ...and on the category with the most selective units there (scenes: their control is grey).
    expect(await page.getByTestId('category-select').inputValue()).toBe('scenes');
    await expect.poll(() => summary('chart-spatial')).toMatch(/^layer3\.0\|scenes\|\d+x\d+$/);
  });

  it('choosing another layer changes the CSI chart data', async () => {
    const select = page.getByTestId('layer-select');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer3\.0\|/);
    const before = await summary('chart-csi');
    await select.selectOption('layer1.0');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer1\.0\|/);
    expect(await summary('chart-csi')).not.toBe(before);
    // The other charts follow the same selection.
    await expect.poll(() => summary('chart-channels')).toMatch(/^layer1\.0\|/);
    await expect.poll(() => summary('chart-spatial')).toMatch(/^layer1\.0\|/);
    await page.getByTestId('category-select').selectOption('faces');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer1\.0\|faces\|/);
    // Faces have no selective units here: their block-scrambled control has the same colours, and the
    // untrained CNN sees little else. Scenes do; the inspector is opened from them.
    await page.getByTestId('category-select').selectOption('scenes');
    await expect.poll(() => summary('chart-csi')).toMatch(/^layer1\.0\|scenes\|/);
  });

  it('opens the inspector for a clicked unit', async () => {
    const row = page.getByTestId('unit-row').first();
    await row.waitFor({ timeout: 30_000 });
    const unit = (await row.textContent())?.trim();
    await row.click();
    const inspector = page.getByTestId('unit-inspector');
    await inspector.waitFor({ state: 'visible', timeout: 30_000 });
    try {
      await expect.poll(() => inspector.textContent()).toContain(`Unit ${unit}`);
      await expect.poll(async () => (await inspector.getByRole('alert').count()) > 0 || (await inspector.locator('td').count()) > 0, { timeout: 30_000 }).toBe(true);
      await shot('inspector');
      expect(await inspector.getByRole('alert').allTextContents(), 'the inspector shows an error').toEqual([]);
      expect(await inspector.locator('td').first().textContent()).toBe('faces');
      await expect.poll(() => inspector.getByTestId('top-images').locator('img').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    } finally {
      // Closed even when an assertion failed: the modal would block the rest of the walk.
      await page.keyboard.press('Escape');
      await inspector.waitFor({ state: 'detached' });
    }
  });

  it('downloads a PNG of a chart', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-proportion').getByTestId('export-png').click()]);
    expect(download.suggestedFilename()).toMatch(/proportion-183mm\.png$/);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.length).toBeGreaterThan(2000);
  });

  it('starts a run and cancels it', async () => {
    await page.getByTestId('nav-run').click();
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-progress').waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByTestId('run-cancel').click();
    await expect.poll(() => page.getByTestId('run-message').textContent(), { timeout: 60_000 }).toContain('cancelled');
    await expect.poll(() => page.getByTestId('run-status').allTextContents(), { timeout: 30_000 }).toContain('cancelled');
    await shot('run-cancelled');
  });

  it('shows the compare and export screens', async () => {
    await page.getByTestId('nav-compare').click();
    await shot('compare');
    await page.getByTestId('nav-export').click();
    await shot('export');
  });

  it('lists the project among the recent ones', async () => {
    await page.getByTestId('nav-start').click();
    await expect.poll(() => page.getByTestId('recent-projects').locator('li').allTextContents(), { timeout: 30_000 }).toEqual([expect.stringContaining('walk study')]);
  });

  it('builds the demo from the start screen and opens its dashboard', async () => {
    // The folder defaults to unitscope-demo under the first shared folder.
    expect(await page.getByTestId('demo-dir').inputValue()).toBe(join(dir, 'unitscope-demo'));
    await page.getByTestId('demo-create').click();
    await page.getByTestId('demo-progress').waitFor({ state: 'visible', timeout: 30_000 });
    await shot('start-demo');
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 240_000 }).toContain('demo');
    const chart = page.getByTestId('chart-proportion');
    await chart.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000 }).toBeGreaterThan(0.01);
  });

  it('switches to the light theme in settings', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('theme-light').check();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await shot('settings-light');
  });
});
