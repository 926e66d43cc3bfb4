// A run outlives the page that started it (issue 15 item 9), in headless chromium against `unitscope
// serve`: the page starts a run, is reloaded mid-run, opens on the Run screen, follows the same run's
// progress (the engine's job, not a new run) and shows it finished; the run's results are there.
// Screenshots: test-results/screenshots/reattach-*.png.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/engine/project.ts';
import { listRuns } from '../../src-main/engine/storage/runs-store.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { openServedProject, SCREENSHOT_DIR } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-reattach-'));
const projectPath = join(dir, 'reattach.unitscope');
let server: ChildProcess;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `reattach-${name}.png`), fullPage: true });

function runs(): { id: number; status: string }[] {
  const project = Project.open(projectPath, { readonly: true });
  try {
    return listRuns(project.db).map((r) => ({ id: r.id, status: r.status }));
  } finally {
    project.close();
  }
}

beforeAll(async () => {
  // Long enough (a few seconds of extraction here) to reload the page in the middle of it.
  await makeTinyProject(projectPath, 300, 5);
  ({ server, browser, page } = await openServedProject(projectPath, dir));
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

describe('a run after a page reload', () => {
  it('goes on, and the reloaded page follows it to its end', async () => {
    await page.getByTestId('nav-run').click();
    await expect.poll(() => page.getByTestId('run-model').inputValue(), { timeout: 30_000 }).toBe('tiny');
    await page.getByTestId('run-batch').fill('1');
    await page.getByTestId('run-start').click();
    const progressText = () => page.locator('.task .text').textContent();
    await expect.poll(progressText, { timeout: 60_000 }).toMatch(/^extraction · [1-9]\d* \/ 900 images/);
    await shot('before-reload');
    await page.reload();
    // The page opens on the Run screen of the running run and follows its progress again.
    await page.getByTestId('run-progress').waitFor({ state: 'visible', timeout: 60_000 });
    expect(runs()).toEqual([{ id: 1, status: 'running' }]);
    await expect.poll(progressText, { timeout: 60_000 }).toMatch(/^(extraction|analysis) · /);
    await shot('after-reload');
    await expect.poll(() => page.getByTestId('run-message').textContent(), { timeout: 120_000 }).toBe('The run finished.');
    expect(runs()).toEqual([{ id: 1, status: 'finished' }]);
    await expect.poll(() => page.getByTestId('run-status').first().textContent()).toBe('finished');
    await shot('finished');
  });
});
