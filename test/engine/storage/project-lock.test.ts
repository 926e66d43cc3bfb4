// A second process opening a project that another process is writing gets read-only access, and its
// attempts to write a run are refused with a message naming the writer; a dead writer's lock is stale.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/engine.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { acquireWriteLock, lockHolder } from '../../../src-main/engine/storage/project-lock.ts';

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
});
