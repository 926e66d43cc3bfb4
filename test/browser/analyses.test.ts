// The Analyses screen end to end: `unitscope demo` builds a project with a finished run, `unitscope
// serve` serves it, and headless chromium starts an ablation (R = 5 controls, to stay fast), a split-half
// reliability study and a replication through the UI. Each chart must draw (non-background canvas
// pixels), and what the screen shows must be what the engine stored: the same analysis read back with
// 'analysis.get' (in-process engine on the same file) gives the chart's groups and the table's numbers.
// A replication against a demo built with another seed (another model's sha256) shows the engine's refusal.
// Screenshots: test-results/screenshots/analyses-*.png.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { canvasInkFraction, launchChromium, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import type { AblationResult, ReliabilityResult, ReplicationResult } from '../../src-main/contract/analysis-types.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-analyses-'));
const otherDir = mkdtempSync(join(tmpdir(), 'unitscope-analyses-other-'));
const projectPath = join(dir, 'demo.unitscope');
const otherPath = join(otherDir, 'demo.unitscope');
const engine = new Engine();
const client = connectInProcess(engine);
let server: ChildProcess;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `analyses-${name}.png`), fullPage: true });
const fmt4 = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(4));

/** The id of the analysis the screen has open (the highlighted entry of the stored list). */
async function openedId(): Promise<number> {
  const id = await page.locator('[data-testid="analysis-item"][aria-current="true"]').getAttribute('data-id');
  return Number(id);
}

async function waitForList(count: number): Promise<void> {
  await expect.poll(() => page.getByTestId('analysis-item').count(), { timeout: 120_000 }).toBe(count);
}

beforeAll(async () => {
  const demo = runCli(['demo', '--out', dir]);
  expect(demo.code, demo.stderr).toBe(0);
  // Seed 1 generates other weights: a run whose model sha256 differs, which replication must refuse.
  const other = runCli(['demo', '--out', otherDir, '--seed', '1']);
  expect(other.code, other.stderr).toBe(0);
  server = spawnCli(['serve', projectPath, '--port', '0', '--root', otherDir]);
  const url = await waitForServeUrl(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  // The session's project opens on its dashboard (expect.poll is not available in hooks).
  await page.getByTestId('open-analyses').waitFor({ state: 'visible', timeout: 60_000 });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  client.disconnect();
  engine.close();
});

it('starts an ablation with 5 controls and draws what analysis.get returns', async () => {
  await page.getByTestId('open-analyses').click();
  await page.getByTestId('analyses-screen').waitFor({ state: 'visible' });
  await expect.poll(() => page.getByTestId('analysis-list').textContent()).toContain('None yet');
  await page.getByTestId('ablation-layer').selectOption('layer3.0');
  await page.getByTestId('ablation-category').selectOption('faces');
  await page.getByTestId('ablation-controls').fill('5');
  await page.getByTestId('ablation-seed').fill('3');
  await page.getByTestId('ablation-start').click();
  await waitForList(1);

  const chart = page.getByTestId('chart-ablation');
  await chart.waitFor({ state: 'visible', timeout: 60_000 });
  await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000 }).toBeGreaterThan(0.01);
  const id = await openedId();
  const stored = await client.call('analysis.get', { path: projectPath, id });
  expect(stored.kind).toBe('ablation');
  const result = stored.result as AblationResult;
  expect(stored.params).toMatchObject({ layer: 'layer3.0', category: 'faces', controls: 5, seed: 3, mode: 'zero', top: null });
  expect(result.controls).toBe(5);
  // The demo's tiny CNN is a classifier: two measures, each over the 6 evaluation categories plus 'all'.
  expect(result.measures.map((m) => m.name)).toEqual(['top1-agreement', 'top-logit-drop']);
  const expectedSummary = result.measures.map((m) => `${m.name}:${[...m.perCategory.map((c) => c.category), 'all'].join(',')}`).join('|');
  expect(await chart.getAttribute('data-summary')).toBe(expectedSummary);
  const groups = result.measures.flatMap((m) => [...m.perCategory, m.overall].map((g) => ({ measure: m, g })));
  expect(groups).toHaveLength(14);
  const rows = page.getByTestId('ablation-row');
  await expect.poll(() => rows.count()).toBe(groups.length);
  for (const [i, { g }] of groups.entries()) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    expect(g.controls).toHaveLength(5);
    expect(cells[2]).toBe(g.category);
    expect(cells[4]).toBe(fmt4(g.selective));
    expect(cells[5]).toBe(`${fmt4(g.controlMean)} ± ${fmt4(g.controlSd)}`);
    expect(cells[6]).toBe(fmt4(g.p));
  }
  // The manifest block holds the stored manifest.
  await page.getByTestId('analysis-manifest').locator('summary').click();
  expect(JSON.parse((await page.getByTestId('analysis-manifest').locator('pre').textContent()) ?? '')).toEqual(stored.manifest);
  await shot('ablation');

  // Both exports produce a file.
  const [png] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('export-png').click()]);
  expect(png.suggestedFilename()).toMatch(/ablation\d+-ablation-183mm\.png$/);
  const [svg] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('export-svg').click()]);
  expect(svg.suggestedFilename()).toMatch(/\.svg$/);
  const svgText = readFileSync((await svg.path())!, 'utf8');
  expect(svgText).toMatch(/^<svg/);
  // Both measure panels and every control dot (14 groups x 5 controls, drawn as paths) are in the SVG.
  expect(svgText).toContain('top-1 agreement with intact');
  expect(svgText).toContain('drop of the intact top logit');
  expect((svgText.match(/<path/g) ?? []).length).toBeGreaterThan(14 * 5);
});

it('starts a split-half reliability study and draws Dice and CSI r per layer', async () => {
  await page.getByTestId('analysis-tab-reliability').click();
  await page.getByTestId('reliability-splits').fill('3');
  await page.getByTestId('reliability-seed').fill('1');
  await page.getByTestId('reliability-start').click();
  await waitForList(2);
  const chart = page.getByTestId('chart-reliability');
  await chart.waitFor({ state: 'visible', timeout: 60_000 });
  await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000 }).toBeGreaterThan(0.01);
  const stored = await client.call('analysis.get', { path: projectPath, id: await openedId() });
  expect(stored.kind).toBe('reliability');
  const result = stored.result as ReliabilityResult;
  expect(result.splits).toBe(3);
  expect(result.seed).toBe(1);
  const layers = [...new Set(result.rows.map((r) => r.layer))];
  const categories = [...new Set(result.rows.map((r) => r.category))];
  expect(layers).toEqual(['stem', 'layer1.0', 'layer2.0', 'layer3.0', 'avgpool']);
  expect(categories).toEqual(['faces', 'bodies', 'scenes', 'words']);
  expect(await chart.getAttribute('data-summary')).toBe(`layers=${layers.join(',')}|categories=${categories.join(',')}|splits=3`);
  const rows = page.getByTestId('reliability-row');
  await expect.poll(() => rows.count()).toBe(result.rows.length);
  for (const [i, r] of result.rows.entries()) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    expect(cells.slice(0, 2)).toEqual([r.layer, r.category]);
    // Undefined values are NaN in the engine (stored as null, read back as NaN) and null on the page's JSON socket: both show '–'.
    const shown = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : v.toFixed(3));
    expect(cells[3]).toBe(`${shown(r.dice.mean)} ± ${shown(r.dice.sd)}`);
  }
  await shot('reliability');
});

it('shows the engine refusing a replication by another model, then replicates the run by itself (Dice 1)', async () => {
  await page.getByTestId('analysis-tab-replication').click();
  await page.getByTestId('replication-project').fill(otherPath);
  await expect.poll(() => page.getByTestId('replication-run').locator('option').count(), { timeout: 30_000 }).toBe(1);
  await page.getByTestId('replication-shuffles').fill('200');
  await page.getByTestId('replication-start').click();
  const error = page.getByTestId('analysis-error');
  await error.waitFor({ state: 'visible', timeout: 60_000 });
  expect(await error.textContent()).toMatch(/different models \(sha256 [0-9a-f]{12}… vs [0-9a-f]{12}…\)/);
  await shot('replication-refused');
  await waitForList(2);

  await page.getByTestId('replication-project').fill(projectPath);
  await page.getByTestId('replication-start').click();
  await waitForList(3);
  const chart = page.getByTestId('chart-replication');
  await chart.waitFor({ state: 'visible', timeout: 60_000 });
  await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000 }).toBeGreaterThan(0.01);
  expect(await error.count()).toBe(0);
  const stored = await client.call('analysis.get', { path: projectPath, id: await openedId() });
  expect(stored.kind).toBe('replication');
  const result = stored.result as ReplicationResult;
  expect(result.shuffles).toBe(200);
  const rows = page.getByTestId('replication-row');
  await expect.poll(() => rows.count()).toBe(result.rows.length);
  expect(result.rows).toHaveLength(20);
  for (const [i, r] of result.rows.entries()) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    expect(cells.slice(0, 2)).toEqual([r.layer, r.category]);
    // A run against itself: every non-empty selective set is found again exactly.
    if (r.selectedA > 0) {
      expect(r.dice).toBe(1);
      expect(cells[4]).toMatch(/^1\.000 \(/);
    }
  }
  await shot('replication');
});

it('cancels a running ablation: the progress stops and nothing is stored', async () => {
  await page.getByTestId('analysis-tab-ablation').click();
  await page.getByTestId('ablation-layer').selectOption('layer3.0');
  await page.getByTestId('ablation-category').selectOption('faces');
  // Enough controls that it is still running when Cancel is pressed.
  await page.getByTestId('ablation-controls').fill('2000');
  await page.getByTestId('ablation-start').click();
  await expect.poll(() => page.getByTestId('analysis-progress').getAttribute('value'), { timeout: 60_000 }).not.toBeNull();
  await page.getByTestId('analysis-cancel').click();
  await page.getByTestId('analysis-cancelled').waitFor({ state: 'visible', timeout: 60_000 });
  expect(await page.getByTestId('analysis-cancel').count()).toBe(0);
  await waitForList(3);
  expect((await client.call('analysis.list', { path: projectPath })).map((a) => a.kind)).toEqual(['ablation', 'reliability', 'replication']);
  await shot('cancelled');
});

it('redraws the stored analyses in the light theme', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('theme-light').check();
  await page.getByTestId('nav-analyses').click();
  await page.locator('[data-testid="analysis-item"][data-kind="ablation"]').click();
  const chart = page.getByTestId('chart-ablation');
  await chart.waitFor({ state: 'visible', timeout: 30_000 });
  await expect.poll(() => canvasInkFraction(chart), { timeout: 30_000 }).toBeGreaterThan(0.01);
  await shot('ablation-light');
});
