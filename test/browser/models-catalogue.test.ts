// The Models screen in serve mode: the catalogue with licences, and a download from a local server (a
// lab catalogue entry, UNITSCOPE_CATALOGUE, whose origin the server's owner trusts) that shows progress
// with a rate and ends with the model in the library.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../src-main/engine/onnx/generators/index.ts';
import { encodeModel } from '../../src-main/engine/onnx/proto.ts';
import { encodeSafetensors } from '../../src-main/engine/weights/safetensors.ts';
import { randomStateDict } from '../engine/weights/random-weights.ts';
import { startFileServer, type FileServer } from '../support/file-server.ts';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { launchChromium, SCREENSHOT_DIR, waitForServeUrl } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-catalogue-'));
let files: FileServer;
let server: ChildProcess;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const model = Buffer.from(encodeModel(generate('tiny', 4)));
  files = await startFileServer({ '/lab/tiny.onnx': model });
  files.slow('/lab/tiny.onnx', 16 * 1024, 60); // ~20 pieces over ~1.2 s
  const catalogue = join(dir, 'lab-catalogue.json');
  writeFileSync(catalogue, JSON.stringify([{ name: 'lab-tiny', title: 'Lab tiny CNN', licence: 'CC0-1.0', trainingData: 'none (seeded)', url: `${files.base}/lab/tiny.onnx`, sha256: createHash('sha256').update(model).digest('hex'), approxBytes: model.length, format: 'onnx', preset: 'imagenet', inputName: 'input', outputName: 'logits' }]));
  const project = join(dir, 'study.unitscope');
  expect(runCli(['project', 'create', project]).code).toBe(0);
  server = spawnCli(['serve', project, '--port', '0'], { env: { UNITSCOPE_CATALOGUE: catalogue } });
  url = await waitForServeUrl(server);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  await files?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('lists the catalogue with licences and downloads an entry with progress into the library', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.getByTestId('nav-models').click();
  const resnet = page.getByTestId('catalogue-resnet50-imagenet-v1');
  await resnet.waitFor({ state: 'visible', timeout: 30_000 });
  await expect.poll(() => resnet.getByTestId('catalogue-licence').textContent()).toBe('BSD-3-Clause');
  expect(await page.getByTestId('catalogue-clip-rn50-openai').getByTestId('catalogue-licence').textContent()).toBe('MIT');
  expect(await page.getByTestId('catalogue-clip-rn50-yfcc15m').textContent()).toContain('YFCC-15M');

  const lab = page.getByTestId('catalogue-lab-tiny');
  await lab.getByTestId('catalogue-download').click();
  const progress = lab.getByTestId('download-progress');
  await progress.waitFor({ state: 'visible', timeout: 10_000 });
  await expect.poll(() => lab.textContent(), { timeout: 10_000 }).toMatch(/download · [\d.]+ KiB \/ [\d.]+ KiB · [\d.]+ KiB\/s/);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'models-catalogue-download.png') });
  await expect.poll(() => page.getByTestId('model-row').allTextContents(), { timeout: 30_000 }).toContain('lab-tiny');
  await expect.poll(() => lab.getByTestId('catalogue-download').textContent()).toBe('In the library');
  expect(files.requests.map((r) => r.path)).toEqual(['/lab/tiny.onnx']);
}, 90_000);

it('imports weights through the form: a file that does not fit is refused with the tensors named, one that fits is added', async () => {
  const broken = join(dir, 'broken.safetensors');
  writeFileSync(broken, encodeSafetensors(randomStateDict('resnet50', 6).filter((t) => t.name !== 'fc.bias')));
  const good = join(dir, 'resnet50-mine.safetensors');
  writeFileSync(good, encodeSafetensors(randomStateDict('resnet50', 6)));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.getByTestId('nav-models').click();
  const file = page.getByTestId('weights-file');
  await file.waitFor({ state: 'visible', timeout: 30_000 });
  await file.fill(broken);
  await page.getByTestId('weights-import').click();
  await expect.poll(() => page.getByTestId('weights-error').textContent(), { timeout: 60_000 }).toMatch(/broken\.safetensors: these weights do not fit resnet50 .*missing 1: fc\.bias/);
  await file.fill(good);
  await expect.poll(() => page.getByTestId('weights-name').inputValue()).toBe('resnet50-mine');
  await page.getByTestId('weights-import').click();
  await expect.poll(() => page.getByTestId('model-row').allTextContents(), { timeout: 90_000 }).toContain('resnet50-mine');
  await expect.poll(() => page.getByTestId('model-layers').textContent(), { timeout: 30_000 }).toContain('layer4.2');
}, 150_000);
