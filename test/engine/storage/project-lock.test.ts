// A second process opening a project that another process is writing gets read-only access, and its
// attempts to write a run are refused with a message naming the writer; a dead writer's lock is released
// with it. Six processes racing for the lock 200 times never hold it at once, and renaming, duplicating
// or deleting a project while a real `unitscope run` writes it is refused (the run then finishes).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/engine.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { acquireWriteLock, lockHolder } from '../../../src-main/engine/storage/project-lock.ts';
import { listRuns } from '../../../src-main/engine/storage/runs-store.ts';
import { runCli, spawnCli } from '../../support/run-cli.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

const LOCK_MODULE = fileURLToPath(new URL('../../../src-main/engine/storage/project-lock.ts', import.meta.url));
let dir: string;
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-lock-'));
  path = join(dir, 'p.unitscope');
  Project.create(path).close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process that takes the write lock and holds it until killed. */
async function writer(): Promise<ChildProcess> {
  const code = `const { acquireWriteLock } = await import(${JSON.stringify(LOCK_MODULE)}); acquireWriteLock(${JSON.stringify(path)}, 'a test run'); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (c) => reject(new Error(`lock holder exited with ${c}`)));
  });
  return child;
}

describe('project write lock', () => {
  it('gives read-only access and a clear refusal while another process writes', async () => {
    const child = await writer();
    try {
      expect(lockHolder(path)?.pid).toBe(child.pid);
      const engine = new Engine();
      const project = engine.project(path);
      expect(project.lockedBy?.pid).toBe(child.pid);
      expect(project.db.readonly).toBe(true);
      expect(project.info().runs).toEqual([]); // reads work
      const refused = await runAnalysis(project, { model: 'tiny' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(EngineError);
      expect((refused as EngineError).kind).toBe('conflict');
      expect((refused as EngineError).message).toMatch(new RegExp(`being written by another process \\(pid ${child.pid} .*a test run`));
      expect(() => acquireWriteLock(path, 'x')).toThrow(/being written by another process/);

      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // The dead writer's lock is stale: the next call reopens the project writable.
      expect(lockHolder(path)).toBeNull();
      const reopened = engine.project(path);
      expect(reopened).not.toBe(project);
      expect(reopened.db.readonly).toBe(false);
      const lock = acquireWriteLock(path, 'after the writer died');
      expect(lockHolder(path)?.pid).toBe(process.pid);
      lock.release();
      expect(lockHolder(path)).toBeNull();
      engine.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('six processes racing for it 200 times never hold it at once', async () => {
    const ROUNDS = 200;
    const RACERS = 6;
    const markers = join(dir, 'markers');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(markers);
    // Each racer tries at the same wall-clock moments; a holder creates the round's marker exclusively
    // while it holds the lock, so a second holder at the same time finds it there.
    const start = Date.now() + 3000;
    const code = `const { acquireWriteLock } = await import(${JSON.stringify(LOCK_MODULE)});
      const { writeFileSync, rmSync } = await import('node:fs');
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ms));
      let holds = 0, overlaps = 0, refusals = 0;
      for (let r = 0; r < ${ROUNDS}; r++) {
        sleep(${start} + r * 40 - Date.now());
        let lock;
        try { lock = acquireWriteLock(${JSON.stringify(path)}, 'racer ' + process.pid); } catch (e) { if (!/being written by another process/.test(e.message)) throw e; refusals++; continue; }
        holds++;
        const marker = ${JSON.stringify(markers)} + '/round-' + r;
        try { writeFileSync(marker, String(process.pid), { flag: 'wx' }); } catch { overlaps++; }
        sleep(8);
        rmSync(marker, { force: true });
        lock.release();
      }
      console.log(JSON.stringify({ holds, overlaps, refusals }));`;
    const racers = Array.from({ length: RACERS }, () =>
      new Promise<{ holds: number; overlaps: number; refusals: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (c) => (c === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as { holds: number; overlaps: number; refusals: number }) : reject(new Error(`racer exited ${c}: ${err}`))));
      }),
    );
    const results = await Promise.all(racers);
    const total = results.reduce((t, r) => ({ holds: t.holds + r.holds, overlaps: t.overlaps + r.overlaps, refusals: t.refusals + r.refusals }), { holds: 0, overlaps: 0, refusals: 0 });
    console.info(`${RACERS} racers x ${ROUNDS} rounds: ${JSON.stringify(total)}`);
    expect(total.overlaps).toBe(0);
    expect(total.holds + total.refusals).toBe(RACERS * ROUNDS);
    // Someone held it in (nearly) every round, and the lock was really contended.
    expect(total.holds).toBeGreaterThanOrEqual(ROUNDS);
    expect(total.refusals).toBeGreaterThan(ROUNDS);
    expect(readdirSync(markers)).toEqual([]);
    expect(existsSync(`${path}.lock`)).toBe(false); // released: the lock file goes with it
    expect(lockHolder(path)).toBeNull();
  }, 120_000);

  it('rename, duplicate and delete are refused while a real run writes the project, and the run finishes', async () => {
    const project = join(dir, 'busy.unitscope');
    await makeTinyProject(project, 30, 4);
    const run = spawnCli(['run', project, '--model', 'tiny', '--batch', '1']);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    run.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => run.on('exit', (c) => resolve(c)));
    try {
      while (lockHolder(project) === null) await new Promise((r) => setTimeout(r, 5));
      // The tiny run takes a second: it is paused, holding the lock, while three CLI calls start up and try.
      run.kill('SIGSTOP');
      expect(lockHolder(project)?.pid).toBe(run.pid);
      for (const args of [['project', 'delete', project, '--yes'], ['project', 'rename', project, '--to', join(dir, 'moved.unitscope')], ['project', 'duplicate', project, join(dir, 'copy.unitscope')]]) {
        const refused = runCli(args);
        expect(lockHolder(project)?.pid, 'the run was still writing').toBe(run.pid);
        expect(refused.code, `${args[1]}: ${refused.stderr}`).toBe(1);
        const lines = refused.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`${project}: the project is being written by another process (pid ${run.pid} on `);
        expect(lines[0]).toContain('a run');
      }
      expect(existsSync(project)).toBe(true);
      expect(existsSync(join(dir, 'moved.unitscope'))).toBe(false);
      expect(existsSync(join(dir, 'copy.unitscope'))).toBe(false);
      run.kill('SIGCONT');
      expect(await exited, stderr).toBe(0);
    } finally {
      run.kill('SIGKILL');
    }
    const done = Project.open(project, { readonly: true });
    try {
      expect(listRuns(done.db).map((r) => r.status)).toEqual(['finished']);
    } finally {
      done.close();
    }
    // With the run over, delete goes through.
    expect(runCli(['project', 'delete', project, '--yes']).code).toBe(0);
    expect(existsSync(project)).toBe(false);
  }, 180_000);
});
