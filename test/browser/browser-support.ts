// Shared helpers for browser tests: Debian's chromium through playwright-core (Playwright's own browser
// download does not work here), the serve URL from the CLI's output, and a blank-chart detector.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { spawnCli } from '../support/run-cli.ts';

export const SCREENSHOT_DIR = resolve('test-results', 'screenshots');

function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Debian chromium is not installed: apt-get install -y chromium (CI installs it in .ci/run)');
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Resolves with the URL `unitscope serve` prints; rejects with its stderr if it exits first. */
export function waitForServeUrl(child: ChildProcess, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}\n${stderr}`));
    });
  });
}

/**
 * Fraction of a chart's canvas pixels that differ from its top-left (background) pixel. 0 for a blank
 * chart; a drawn line chart with axes is well above 1 %.
 */
export async function canvasInkFraction(container: Locator): Promise<number> {
  return container.evaluate((element) => {
    const canvases = Array.from(element.querySelectorAll('canvas'));
    let ink = 0;
    let total = 0;
    for (const canvas of canvases) {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const [r0, g0, b0, a0] = [data[0], data[1], data[2], data[3]];
      for (let i = 0; i < data.length; i += 4) {
        total++;
        if (data[i] !== r0 || data[i + 1] !== g0 || data[i + 2] !== b0 || data[i + 3] !== a0) ink++;
      }
    }
    return total === 0 ? 0 : ink / total;
  });
}

export interface ServedPage {
  server: ChildProcess;
  browser: Browser;
  page: Page;
}

/**
 * `unitscope serve PROJECT --root ROOT` (with its own Unitscope home under ROOT) and a 1280 x 900 page
 * of headless chromium opened on it, once the page shows the project.
 */
export async function openServedProject(projectPath: string, root: string): Promise<ServedPage> {
  const server = spawnCli(['serve', projectPath, '--port', '0', '--root', root], { env: { UNITSCOPE_HOME: join(root, 'home') } });
  const url = await waitForServeUrl(server);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.goto(url);
  await page.getByTestId('project-name').waitFor({ timeout: 60_000 });
  return { server, browser, page };
}
