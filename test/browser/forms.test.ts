// The Run form generated from the recipe table and the field rules, in headless chromium against
// `unitscope serve`: each recipe shows the settings it uses with their meanings, a value out of range
// says so at its field in the contract's words (as the CLI does) and the message goes once it is fixed;
// Settings keep only valid values and their memory budget reaches the run; the dashboard's channel filter
// is one query. Screenshots: test-results/screenshots/forms-*.png.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parametersOf, RECIPE_PARAMETERS, RECIPE_TABLE } from '../../src-main/contract/recipe.ts';
import { Project } from '../../src-main/engine/project.ts';
import { getRun, readRunManifest } from '../../src-main/engine/storage/runs-store.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { openServedProject, SCREENSHOT_DIR } from './browser-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-forms-'));
const projectPath = join(dir, 'forms.unitscope');
let server: ChildProcess;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `forms-${name}.png`), fullPage: true });
// A field's label without its explanation link ('?').
const fieldLabels = () =>
  page
    .getByRole('form', { name: 'Run settings' })
    .locator('label')
    .evaluateAll((labels) =>
      labels.map((l) => {
        const head = l.firstChild;
        if (!head) return '';
        const parts = head.nodeType === Node.ELEMENT_NODE ? Array.from(head.childNodes).filter((n) => !(n instanceof HTMLElement && n.classList.contains('explain'))) : [head];
        return parts.map((n) => n.textContent ?? '').join('').trim();
      }),
    );

function stored<T>(read: (project: Project) => T): T {
  const project = Project.open(projectPath);
  try {
    return read(project);
  } finally {
    project.close();
  }
}

beforeAll(async () => {
  await makeTinyProject(projectPath, 8, 4);
  ({ server, browser, page } = await openServedProject(projectPath, dir));
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

describe('the Run form and the field rules', () => {
  it('shows each recipe the settings it uses, with their meanings, from the recipe table', async () => {
    await page.getByTestId('nav-run').click();
    await expect.poll(() => page.getByTestId('run-model').inputValue(), { timeout: 30_000 }).toBe('tiny');
    for (const recipe of ['pairwise-t', 'prince2024', 'vs-rest', 'ranksum-maxp', 'top-k', 'dprime'] as const) {
      await page.getByTestId('run-recipe').selectOption(recipe);
      expect(await page.getByTestId('run-recipe-meaning').textContent()).toBe(RECIPE_TABLE[recipe].meaning);
      const labels = await fieldLabels();
      for (const key of Object.keys(RECIPE_PARAMETERS) as (keyof typeof RECIPE_PARAMETERS)[]) {
        const p = RECIPE_PARAMETERS[key];
        expect(labels.includes(p.label), `${recipe}: ${p.label}`).toBe(parametersOf(recipe).includes(key));
        if (parametersOf(recipe).includes(key)) await expect.poll(() => page.getByRole('form', { name: 'Run settings' }).textContent()).toContain(p.meaning);
      }
    }
    // prince2024 tests against the chosen categories too (the form used to offer this for pairwise-t only).
    await page.getByTestId('run-recipe').selectOption('prince2024');
    expect(await page.getByTestId('recipe-against').count()).toBe(1);
    expect(await page.getByTestId('recipe-variance').count()).toBe(0);
  });

  it('says at the field what is wrong, in the words of the CLI, and forgets it once fixed', async () => {
    await page.getByTestId('run-recipe').selectOption('pairwise-t');
    const alpha = page.getByTestId('recipe-alpha');
    const alphaError = page.getByTestId('recipe-alpha-error');
    const start = page.getByTestId('run-start');
    expect(await alpha.inputValue()).toBe('0.05');
    await expect.poll(() => start.isEnabled()).toBe(true);
    await alpha.fill('');
    await expect.poll(() => alphaError.textContent()).toBe('α must be a number greater than 0 and less than 1');
    expect(await alpha.getAttribute('aria-invalid')).toBe('true');
    expect(await start.isDisabled()).toBe(true);
    await alpha.fill('2');
    await expect.poll(() => alphaError.textContent()).toBe('α must be a number greater than 0 and less than 1');
    // The batch has its rule at its field too; several messages can show at once.
    await page.getByTestId('run-batch').fill('0');
    await expect.poll(() => page.getByTestId('run-batch-error').textContent()).toBe('the batch must be a whole number from 1 to 1024');
    await shot('run-errors');
    await alpha.fill('0.01');
    await expect.poll(() => alphaError.count()).toBe(0);
    expect(await alpha.getAttribute('aria-invalid')).toBeNull();
    expect(await start.isDisabled()).toBe(true);
    await page.getByTestId('run-batch').fill('');
    await expect.poll(() => page.getByTestId('run-batch-error').count()).toBe(0);
    await expect.poll(() => start.isEnabled()).toBe(true);
    // No raw schema text anywhere on the screen.
    expect(await page.locator('main').textContent()).not.toMatch(/invalid arguments|received null|expected number/);
  });

  it('keeps only valid settings: a negative memory budget or batch 0 says why and is not saved', async () => {
    // Older versions saved their defaults for everyone: v2's 2048 MiB was never sent and is dropped; its
    // other settings carry over.
    await page.evaluate(() => localStorage.setItem('unitscope.settings.v2', JSON.stringify({ theme: 'dark', memoryBudgetMiB: 2048, provider: 'auto', batch: 4 })));
    await page.reload();
    await page.getByTestId('project-name').waitFor({ timeout: 60_000 });
    await page.getByTestId('nav-settings').click();
    expect(await page.getByTestId('settings-batch').inputValue()).toBe('4');
    const memory = page.getByTestId('settings-memory');
    // Empty: each call's engine default (1024 MiB for runs), as before the budget was sent.
    expect(await memory.inputValue()).toBe('');
    await memory.fill('-512');
    await expect.poll(() => page.getByTestId('settings-memory-error').textContent()).toBe("the memory budget must be a whole number from 256 to 262144 MiB; not saved, the engine's default stays in use");
    await page.getByTestId('settings-batch').fill('0');
    await expect.poll(() => page.getByTestId('settings-batch-error').textContent()).toBe('the batch must be a whole number from 1 to 1024; not saved, 4 stays in use');
    await shot('settings-errors');
    const saved = () => page.evaluate(() => JSON.parse(localStorage.getItem('unitscope.settings.v3') ?? '{}') as { memoryBudgetMiB?: number | null; batch?: number | null });
    expect((await saved()).memoryBudgetMiB ?? null).toBeNull();
    expect((await saved()).batch).toBe(4);
    await memory.fill('512');
    await expect.poll(() => page.getByTestId('settings-memory-error').count()).toBe(0);
    await page.getByTestId('settings-batch').fill('');
    await expect.poll(() => page.getByTestId('settings-batch-error').count()).toBe(0);
    expect(await saved()).toMatchObject({ memoryBudgetMiB: 512, batch: null });
    // After a reload the kept values come back, and runs are not blocked by a bad batch.
    await page.reload();
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 60_000 }).toBe('tiny');
    await page.getByTestId('nav-settings').click();
    expect(await page.getByTestId('settings-memory').inputValue()).toBe('512');
    expect(await page.getByTestId('settings-batch').inputValue()).toBe('');
  });

  it('shows each catalogue entry with its pinned sha256 (no hash to type: the catalogue pins it, a mirror must match it)', async () => {
    await page.getByTestId('nav-models').click();
    const entry = page.getByTestId('catalogue-resnet50-imagenet-v1');
    await entry.waitFor({ timeout: 30_000 });
    expect(await entry.textContent()).toContain('sha256 5d061a3c593d795bfe682d9b152bafbcf550579873492def3515b46db1189888');
    expect(await entry.locator('input').count()).toBe(1); // the mirror URL only
    expect(await entry.getByTestId('catalogue-mirror').getAttribute('placeholder')).toMatch(/^https:\/\/huggingface\.co\/timm\/resnet50\.tv_in1k\/resolve\/[0-9a-f]{40}\/model\.safetensors$/);
  });

  it('runs ranksum-maxp with its threshold and the Settings memory budget', async () => {
    await page.getByTestId('nav-run').click();
    await expect.poll(() => page.getByTestId('run-model').inputValue(), { timeout: 30_000 }).toBe('tiny');
    await page.getByTestId('run-recipe').selectOption('ranksum-maxp');
    await page.getByTestId('recipe-ranksum-p').fill('0.02');
    await shot('run-form');
    await page.getByTestId('run-start').click();
    await expect.poll(() => page.getByTestId('run-message').textContent(), { timeout: 240_000 }).toMatch(/^Run \d+ finished\.$/);
    const run = Number(/Run (\d+)/.exec((await page.getByTestId('run-message').textContent()) ?? '')![1]);
    const recipe = stored((p) => getRun(p.db, run)!.recipe);
    expect(recipe).toMatchObject({ recipe: 'ranksum-maxp', ranksumP: 0.02 });
    expect(stored((p) => readRunManifest(p.db, run)!.execution.memoryBudgetMB)).toBe(512);
  });

  it('checks the analyses forms with the same rules, at their fields', async () => {
    await page.getByTestId('nav-analyses').click();
    await page.getByTestId('analysis-tab-reliability').click();
    const splits = page.getByTestId('reliability-splits');
    await splits.fill('0');
    await expect.poll(() => page.getByTestId('reliability-splits-error').textContent()).toBe('the number of splits must be a whole number from 1 to 10000');
    expect(await page.getByTestId('reliability-start').isDisabled()).toBe(true);
    await splits.fill('10');
    await expect.poll(() => page.getByTestId('reliability-splits-error').count()).toBe(0);
    expect(await page.getByTestId('reliability-start').isEnabled()).toBe(true);
    await page.getByTestId('analysis-tab-ablation').click();
    await page.getByTestId('ablation-controls').fill('-1');
    await expect.poll(() => page.getByTestId('ablation-controls-error').textContent()).toBe('the number of random controls must be a whole number from 0 to 100000');
    await page.getByTestId('ablation-controls').fill('100');
    await expect.poll(() => page.getByTestId('ablation-controls-error').count()).toBe(0);
  });

  it('pages the unit table, and filters it to a clicked channel with one query', async () => {
    await page.getByTestId('nav-results').click();
    const channels = page.getByTestId('chart-channels');
    await expect.poll(() => channels.getAttribute('data-summary'), { timeout: 60_000 }).toMatch(/\|/);
    await page.getByTestId('unit-row').first().waitFor({ timeout: 30_000 });
    const range = page.getByTestId('units-range');
    const total = Number(/of (\d+)$/.exec((await range.textContent()) ?? '')![1]);
    expect(await range.textContent()).toBe(`1–50 of ${total}`);
    const firstPage = await page.getByTestId('unit-row').allTextContents();
    // Every value the method reports per unit, d' vs second and the mean pairwise t included (derived on
    // read): a selective unit beats every compared category, so its mean t is a number at least its t min.
    const table = page.getByTestId('unit-table');
    expect((await table.locator('thead th').allTextContents()).map((h) => h.replace('?', '').trim())).toEqual(['unit', 'ch', 'y,x', 'CSI', 't min', 'd′', 'd′ vs 2nd', 'mean t']);
    const cells = await table.locator('tbody tr').first().locator('td').allTextContents();
    expect(Number.isFinite(Number(cells[6]))).toBe(true);
    expect(Number(cells[7])).toBeGreaterThanOrEqual(Number(cells[4]));
    await page.getByTestId('units-next').click();
    await expect.poll(() => range.textContent()).toBe(`51–${Math.min(100, total)} of ${total}`);
    await expect.poll(() => page.getByTestId('unit-row').allTextContents()).not.toEqual(firstPage);
    // The bars are sorted, tallest first: one near the left, just above the axis (clicked again while
    // the chart still animates in).
    const box = (await channels.locator('.chart').boundingBox())!;
    const chip = page.getByTestId('channel-filter');
    await expect
      .poll(async () => {
        if ((await chip.count()) === 0) await page.mouse.click(box.x + 58, box.y + box.height - 44);
        return chip.count();
      }, { timeout: 30_000 })
      .toBe(1);
    const channel = Number(/channels (\d+)/.exec((await chip.textContent()) ?? '')![1]);
    const rows = page.getByTestId('unit-table').locator('tbody tr');
    await expect.poll(async () => (await rows.locator('td:nth-child(2)').allTextContents()).every((c) => Number(c) === channel)).toBe(true);
    expect(await rows.count()).toBeGreaterThan(0);
    await shot('dashboard');
    // From the keyboard: the chart's pointer handling may still hold the mouse after the click above.
    await chip.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => chip.count()).toBe(0);
    await expect.poll(() => range.textContent()).toBe(`1–50 of ${total}`);
  });
});
