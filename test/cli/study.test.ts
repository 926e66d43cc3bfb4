// `unitscope study` and `unitscope figure` as a user runs them: a study of two models on the demo with a
// report folder (HTML, and each figure as SVG, PDF and PNG), headless figures at a width and dpi, the
// study listed and resumed, and clear refusals (usage: exit 2; an unknown model or study: exit 1).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, type CliResult } from '../support/run-cli.ts';

/** A long command without blocking the test worker (a blocked worker misses vitest's own messages). */
function runLong(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'unitscope-study-cli-'));
const project = join(dir, 'demo.unitscope');
let studyId: number;
let runIds: number[];

beforeAll(() => {
  expect(runCli(['demo', '--out', dir]).code).toBe(0);
  const file = join(dir, 'tiny-1.onnx');
  expect(runCli(['model', 'generate', 'tiny', '--seed', '1', '--out', file]).code).toBe(0);
  expect(runCli(['model', 'add', project, file, '--name', 'tiny-1', '--preset', 'none']).code).toBe(0);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pngSize = (bytes: Buffer) => [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];

describe('unitscope study', () => {
  it('runs two models, compares them and writes a report folder', async () => {
    const out = join(dir, 'report');
    const result = await runLong(['study', project, '--models', 'tiny-cnn,tiny-1', '--iterations', '100', '--report', out, '--width', '89mm', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const study = JSON.parse(result.stdout) as { id: number; status: string; runs: { run: number; reused: boolean }[]; comparisons: number[][]; report: string[] };
    expect(study.status).toBe('finished');
    expect(study.runs.map((r) => r.reused)).toEqual([true, false]);
    expect(study.comparisons).toHaveLength(1);
    studyId = study.id;
    runIds = study.runs.map((r) => r.run);
    expect(result.stderr).toMatch(/study: \d+(\.\d)?\/100 %/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const kind of ['proportion', 'csi', 'evenness', 'consistency', 'spatial', 'activation']) {
      expect(html).toContain(`id="figure-${kind}"`);
      expect(readFileSync(join(out, 'figures', `${kind}.svg`), 'utf8')).toMatch(/^<svg /);
      expect(readFileSync(join(out, 'figures', `${kind}.pdf`)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // 89 mm at the default 300 dpi
      expect(pngSize(readFileSync(join(out, 'figures', `${kind}.png`)))[0]).toBe(1051);
    }
    expect(study.report).toContain(join(out, 'index.html'));
    const models = JSON.parse(runCli(['model', 'list', project, '--json']).stdout) as { name: string; sha256: string }[];
    for (const m of models) expect(html).toContain(`sha256 ${m.sha256}`);
  }, 300_000);

  it('lists the study, reuses it all on a second study with the same models, refuses to resume a finished one', async () => {
    const list = runCli(['study', project, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`study ${studyId} finished`);
    const again = await runLong(['study', project, '--models', 'tiny-1,tiny-cnn', '--no-consistency', '--iterations', '100', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { runs: { run: number; reused: boolean }[] }).runs).toEqual([
      expect.objectContaining({ run: runIds[1], reused: true }),
      expect.objectContaining({ run: runIds[0], reused: true }),
    ]);
    const resume = runCli(['study', project, '--resume', String(studyId)]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/already finished/);
  }, 300_000);

  it('refuses bad arguments with the reason', () => {
    const none = runCli(['study', project]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--models A,B,\.\.\. is required/);
    const unknown = runCli(['study', project, '--models', 'tiny-cnn,nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no model named 'nope'/);
    const width = runCli(['study', project, '--models', 'tiny-cnn,tiny-1', '--width', '5mm']);
    expect(width.code).toBe(2);
    expect(width.stderr).toMatch(/--width must be a number from 20 to 500 mm/);
  });
});

describe('unitscope figure', () => {
  it('draws a study figure headless as SVG, PDF and PNG at a dpi and width', async () => {
    const svg = join(dir, 'p.svg');
    expect(runCli(['figure', project, '--study', String(studyId), '--kind', 'proportion', '--out', svg]).code).toBe(0);
    const text = readFileSync(svg, 'utf8').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Proportion of category-selective units across depth');
    expect(text).toContain('relative depth');
    const png = join(dir, 'c.png');
    const drawn = runCli(['figure', project, '--study', String(studyId), '--kind', 'csi', '--out', png, '--dpi', '150', '--width', 'page']);
    expect(drawn.code, drawn.stderr).toBe(0);
    expect(pngSize(readFileSync(png))[0]).toBe(Math.round((183 / 25.4) * 150));
    const pdf = join(dir, 'e.pdf');
    expect((await runLong(['figure', project, '--run', runIds.join(','), '--kind', 'evenness', '--out', pdf])).code).toBe(0);
    const bytes = readFileSync(pdf).toString('latin1');
    expect(bytes.startsWith('%PDF-')).toBe(true);
    // the font travels with the file
    expect(bytes).toMatch(/FontFile2/);
    expect(bytes).toMatch(/DejaVuSans/);
  }, 120_000);

  it('refuses a missing kind, a bad extension, a bad dpi and an unknown study', () => {
    expect(runCli(['figure', project, '--study', '1', '--out', 'x.svg']).code).toBe(2);
    const ext = runCli(['figure', project, '--study', '1', '--kind', 'csi', '--out', 'x.gif']);
    expect(ext.code).toBe(2);
    expect(ext.stderr).toMatch(/\.svg, \.pdf or \.png/);
    expect(runCli(['figure', project, '--study', '1', '--kind', 'csi', '--out', 'x.png', '--dpi', '10']).code).toBe(2);
    const missing = runCli(['figure', project, '--study', '99', '--kind', 'csi', '--out', join(dir, 'x.svg')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no study #99/);
    expect(existsSync(join(dir, 'x.svg'))).toBe(false);
  });
});
