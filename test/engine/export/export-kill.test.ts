// A re-export killed with SIGKILL at 10 points (real `unitscope export` processes) leaves the folder
// holding the earlier complete export or the new complete one, never a mix: the manifest's row count
// matches units.csv and the folder holds exactly the files the manifest lists. The next export puts
// right what a kill left beside the folder (its staging folder, or the earlier export set aside).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { killPoints, runCliKilledAfter, runCliKilledWhen } from '../../support/run-cli.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

const KILLS = 10;
let dir: string;
let path: string;
let out: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-export-kill-'));
  path = join(dir, 'k.unitscope');
  out = join(dir, 'export');
  await makeTinyProject(path, 4, 5);
  const project = Project.open(path);
  await runAnalysis(project, { model: 'tiny' });
  project.close();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two exports that differ in what they hold: all layers, or two of them. */
const EXPORTS = [
  { layers: null, args: [] as string[] },
  { layers: ['stem', 'avgpool'], args: ['--layers', 'stem,avgpool'] },
];

function exportArgs(which: number): string[] {
  return ['export', path, '--run', '1', '--format', 'csv', '--out', out, ...EXPORTS[which]!.args];
}

/** The folder holds one complete export; returns which of EXPORTS it is. */
function completeExport(): number {
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { export: { rows: number; files: string[]; layers: string[] } };
  expect(readdirSync(out).sort()).toEqual([...manifest.export.files, 'load.R', 'load.py', 'manifest.json'].sort());
  const lines = readFileSync(join(out, 'units.csv'), 'utf8').trimEnd().split('\n');
  expect(lines.length - 1).toBe(manifest.export.rows);
  const layers = new Set(lines.slice(1).map((line) => line.split(',')[1]));
  expect([...layers].sort()).toEqual([...manifest.export.layers].sort());
  return manifest.export.layers.length === 2 ? 1 : 0;
}

function leftovers(): string[] {
  return readdirSync(dirname(out)).filter((name) => name.startsWith(`.${basename(out)}.`));
}

/** Whether the export process `pid` is writing: its staging folder is there beside the export folder. */
const staging = (pid: number) => leftovers().some((name) => name.startsWith(`.${basename(out)}.export-${pid}-`));

describe('export killed with SIGKILL', () => {
  it(`leaves the earlier or the new complete export at ${KILLS} kill points`, async () => {
    const first = await runCliKilledAfter(exportArgs(1));
    expect(first.code, first.stderr).toBe(0);
    expect(completeExport()).toBe(1);
    // The kill points are spread over the time an export of all layers spends writing (from its staging
    // folder's appearance to its exit), measured here: machine load varies too much for fixed times.
    const reference = await runCliKilledWhen(exportArgs(0), staging);
    expect(reference.code, reference.stderr).toBe(0);
    expect(reference.sinceSeenMs).not.toBeNull();
    expect(completeExport()).toBe(0);

    const outcomes: string[] = [];
    let kills = 0;
    for (const point of killPoints(reference.sinceSeenMs!, KILLS, 0, 0.9)) {
      // The folder holds the two-layer export; the all-layer one replaces it and is killed. Load varies:
      // a kill that came too late (the export finished) is tried again sooner.
      let afterMs = point;
      for (let attempt = 0; attempt < 4; attempt++, afterMs = Math.floor(afterMs * 0.6)) {
        if (completeExport() !== 1) expect((await runCliKilledAfter(exportArgs(1))).code).toBe(0);
        const result = await runCliKilledWhen(exportArgs(0), staging, afterMs);
        const after = completeExport();
        outcomes.push(`kill +${afterMs}ms into writing -> ${result.signal ?? `exit ${result.code}`}, export 1 -> ${after}, beside: ${leftovers().join(' ') || 'nothing'}`);
        if (result.signal === 'SIGKILL') {
          kills++;
          break;
        }
        expect(result.code, result.stderr).toBe(0);
        expect(after).toBe(0);
      }
    }
    console.info(outcomes.join('\n'));
    expect(kills, outcomes.join('\n')).toBe(KILLS);
    const before = completeExport();
    const last = await runCliKilledAfter(exportArgs(1 - before));
    expect(last.code, last.stderr).toBe(0);
    expect(completeExport()).toBe(1 - before);
    expect(leftovers()).toEqual([]);
  }, 600_000);
});
