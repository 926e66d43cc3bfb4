// The Models screen's look inside a file before adding it, in serve mode: the family, the candidate
// taps grouped by stage with auto-tap's picks, ticking candidates to tap, and adding with those taps; a
// sequence-first transformer's blocks are marked.
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src-main/engine/onnx/proto.ts';
import { fillStrippedWeights } from '../engine/onnx/fill-weights.ts';
import { tempDir } from '../engine/inference/helpers.ts';
import { spawnCli, runCli } from '../support/run-cli.ts';
import { launchChromium, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';

const dir = tempDir('unitscope-inspect-');
const project = join(dir, 'vit.unitscope');
const modelFile = join(dir, 'tiny_vit.onnx');
const clipFile = join(dir, 'tiny_clip_vit.onnx');
let server: ChildProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const model = decodeModel(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'torch-exports-more', 'tiny_vit_torch113.weightless.onnx')));
  fillStrippedWeights(model);
  writeFileSync(modelFile, encodeModel(model));
  copyFileSync(join(import.meta.dirname, '..', 'fixtures', 'torch-exports-more', 'tiny_clip_vit_torch113.onnx'), clipFile);
  expect(runCli(['project', 'create', project]).code).toBe(0);
  server = spawnCli(['serve', project, '--port', '0', '--root', dir], { env: { UNITSCOPE_HOME: join(dir, 'home') } });
  const url = await waitForServeUrl(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('inspect before adding', () => {
  it('shows the family and candidate taps, and adds with the ticked ones', async () => {
    await page.getByTestId('nav-models').click();
    await page.getByTestId('model-file').fill(modelFile);
    await page.getByTestId('model-inspect').click();
    await expect.poll(() => page.getByTestId('inspect-family').textContent(), { timeout: 60_000 }).toContain('transformer');
    const rows = page.getByTestId('inspect-tap');
    // Auto-tap's picks only, by default: stem, two encoder layers, the class token.
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['stem', 'encoder.layers.encoder_layer_0', 'encoder.layers.encoder_layer_1', 'class_token']);
    expect((await rows.nth(1).locator('td').allTextContents())[4]).toBe('1+4 × 4 × 16');
    await page.getByTestId('inspect-all').check();
    await expect.poll(() => rows.count()).toBeGreaterThan(4);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'models-inspect.png'), fullPage: true });
    await page.getByLabel('Tap encoder.layers.encoder_layer_1', { exact: true }).check();
    await page.getByLabel('Tap class_token', { exact: true }).check();
    expect(await page.getByTestId('model-taps').inputValue()).toBe('encoder.layers.encoder_layer_1, class_token');
    await page.getByTestId('model-name').fill('vit');
    await page.getByTestId('model-add').click();
    await expect.poll(() => page.getByTestId('model-row').allTextContents(), { timeout: 60_000 }).toEqual(['vit']);
    const list = JSON.parse(runCli(['model', 'list', project, '--json']).stdout) as { taps: { name: string; layout?: string }[] }[];
    expect(list[0]!.taps.map((t) => [t.name, t.layout ?? 'chw'])).toEqual([['encoder.layers.encoder_layer_1', 'tokens'], ['class_token', 'chw']]);
  });

  it("marks OpenAI CLIP ViT's sequence-first blocks, and adds them", async () => {
    await page.getByTestId('inspect-all').uncheck();
    await page.getByTestId('model-file').fill(clipFile);
    await page.getByTestId('model-inspect').click();
    const rows = page.getByTestId('inspect-tap');
    await expect.poll(() => rows.locator('td:nth-child(2)').allTextContents(), { timeout: 60_000 }).toEqual(['stem', 'transformer.resblocks.0', 'transformer.resblocks.1', 'class_token']);
    // The taps ticked for the first file do not carry over to this one.
    expect(await page.getByTestId('model-taps').inputValue()).toBe('');
    const shapes = await rows.locator('td:nth-child(5)').allTextContents();
    expect(shapes).toEqual(['1+4 × 4 × 16 (L × N × D)', '1+4 × 4 × 16 (L × N × D)', '1+4 × 4 × 16 (L × N × D)', '16 × 1 × 1']);
    expect(await rows.nth(1).locator('td:nth-child(5)').getAttribute('title')).toContain('sequence-first');
    await page.getByTestId('model-name').fill('clip-vit');
    await page.getByTestId('model-add').click();
    await expect.poll(async () => (await page.getByTestId('model-row').allTextContents()).sort(), { timeout: 60_000 }).toEqual(['clip-vit', 'vit']);
    const list = JSON.parse(runCli(['model', 'list', project, '--json']).stdout) as { name: string; taps: { name: string; batchAxis?: number }[] }[];
    expect(list.find((m) => m.name === 'clip-vit')!.taps.map((t) => t.batchAxis ?? 0)).toEqual([1, 1, 1, 0]);
  });
});
