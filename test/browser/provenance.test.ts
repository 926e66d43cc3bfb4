// Provenance in the app (serve mode, Chromium): after the model file and an image changed on disk, a run
// refuses with the file and the way out; the Models screen's Refresh records the model file, the
// Project screen's check offers to record the changed image, and the run then goes through.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeModel } from '../../src-main/engine/onnx/proto.ts';
import { generate } from '../../src-main/engine/onnx/generators/index.ts';
import { TINY_INPUT_SIZE } from '../../src-main/engine/onnx/generators/tiny.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { spawnCli } from '../support/run-cli.ts';
import { launchChromium, waitForServeUrl } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-provenance-ui-'));
const project = join(dir, 'p.unitscope');
const modelFile = join(dir, 'p.files', 'tiny.onnx');
const imageFile = join(dir, 'p.files', 'images', 'scenes-2.png');
let server: ChildProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await makeTinyProject(project, 4, 12);
  writeFileSync(modelFile, encodeModel(generate('tiny', 50)));
  const size = TINY_INPUT_SIZE;
  writeFileSync(imageFile, await sharp({ create: { width: size, height: size, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer());
  server = spawnCli(['serve', project, '--port', '0'], { env: { UNITSCOPE_HOME: join(dir, 'home') } });
  const url = await waitForServeUrl(server);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function startRun(): Promise<void> {
  await page.getByTestId('nav-run').click();
  await expect.poll(() => page.getByTestId('run-model').inputValue(), { timeout: 30_000 }).toBe('tiny');
  await page.getByTestId('run-start').click();
}

const runAlert = () => page.locator('section.run p.error[role=alert]');

it('refuses a run on a changed model file, and Refresh on the Models screen records it', async () => {
  await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('tiny');
  await startRun();
  await expect.poll(() => runAlert().textContent(), { timeout: 60_000 }).toContain(modelFile);
  expect(await runAlert().textContent()).toContain(`unitscope model refresh ${project} tiny`);
  await page.getByTestId('nav-models').click();
  await page.getByTestId('model-refresh').click();
  await expect.poll(() => page.getByTestId('model-library').locator('tbody tr').first().textContent(), { timeout: 30_000 }).toMatch(/ok$/);
  await expect(page.getByTestId('model-refresh').count()).resolves.toBe(0);
});

it('refuses a run on a changed image, and the check records it; the run then finishes', async () => {
  await startRun();
  await expect.poll(() => runAlert().textContent(), { timeout: 60_000 }).toContain(imageFile);
  expect(await runAlert().textContent()).toContain(`unitscope stimuli check ${project} --update`);
  await page.getByTestId('nav-project').click();
  await page.getByTestId('check-start').click();
  await expect.poll(() => page.getByTestId('check-summary').textContent(), { timeout: 60_000 }).toBe('12 images: 11 ok, 0 missing, 1 changed');
  await page.getByTestId('check-update').click();
  await expect.poll(() => page.getByTestId('check-summary').textContent(), { timeout: 60_000 }).toBe('12 images: 12 ok (1 updated), 0 missing, 0 changed');
  await startRun();
  await expect.poll(() => page.getByTestId('run-message').textContent(), { timeout: 120_000 }).toBe('Run 1 finished.');
});
