// Disk full during a run: a clear error naming the project and what to do, the run marked failed (or
// left to show 'interrupted'), and the project intact: integrity_check ok, the earlier finished run
// byte-identical. Two ways to fill the disk: SQLite's max_page_count (the file may not grow) and a
// real 20 MiB tmpfs (ENOSPC from the kernel; needs root, which CI and this machine have).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { listRuns } from '../../../src-main/engine/storage/runs-store.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

let dir: string;
let source: string;

function unitDigest(project: Project, run: number): string {
  const rows = project.db.prepare('SELECT position, category, name, length(data) AS n, hex(substr(data, 1, 64)) AS h FROM unit_columns WHERE run_id = ? ORDER BY id').all(run);
  return JSON.stringify(rows);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-full-'));
  source = join(dir, 'src', 'full.unitscope');
  mkdirSync(join(dir, 'src'));
  await makeTinyProject(source, 6, 11);
  const project = Project.open(source);
  await runAnalysis(project, { model: 'tiny', batch: 4 });
  project.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function expectCleanFailure(path: string, fill: (project: Project) => void): Promise<void> {
  const project = Project.open(path);
  const before = unitDigest(project, 1);
  fill(project);
  const error = await runAnalysis(project, { model: 'tiny', batch: 4 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).kind).toBe('io');
  expect((error as EngineError).message).toMatch(/the disk is full while writing run #2.*run --resume 2/);
  expect((error as EngineError).file).toBe(project.path);
  project.close();

  const reopened = Project.open(path);
  try {
    expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const runs = listRuns(reopened.db);
    expect(runs[0]!.status).toBe('finished');
    expect(unitDigest(reopened, 1)).toBe(before);
    expect(['failed', 'interrupted']).toContain(runs[1]!.status);
  } finally {
    reopened.close();
  }
}

/**
 * Decodes of images still in flight when the failed run rejected keep a file of the mount open for a
 * moment on a loaded machine ("target is busy"): retry for a few seconds before giving up.
 */
async function unmount(mount: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync('umount', [mount], { stdio: 'pipe' });
      return;
    } catch (error) {
      if (attempt >= 25 || !/busy/.test(String((error as { stderr?: Buffer }).stderr ?? ''))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('disk full', () => {
  it('SQLite page limit: clear error, project intact', async () => {
    const path = join(dir, 'limit', 'full.unitscope');
    cpSync(join(dir, 'src'), join(dir, 'limit'), { recursive: true });
    await expectCleanFailure(path, (project) => {
      const pages = project.db.pragma('page_count', { simple: true }) as number;
      // Room for the run record and a few checkpoints, not for the statistics and results.
      project.db.pragma(`max_page_count = ${pages + 200}`);
    });
  }, 60_000);

  it('a full filesystem (tmpfs): clear error, project intact', async () => {
    const mount = join(dir, 'tmpfs');
    mkdirSync(mount);
    // Room for the project as it is plus 1.5 MiB: a second run needs about 5 MiB.
    const used = Number(execFileSync('du', ['-sk', join(dir, 'src')], { encoding: 'utf8' }).split('\t')[0]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${used + 1536}k`, 'tmpfs', mount]);
    try {
      cpSync(join(dir, 'src'), mount, { recursive: true });
      await expectCleanFailure(join(mount, 'full.unitscope'), () => {});
    } finally {
      await unmount(mount);
    }
  }, 60_000);
});
