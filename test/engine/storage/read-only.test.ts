// Read-only projects (issue 15 item 6), with real CLI processes: on a read-only folder or file every read
// command works and every write is refused with one line naming the project and the way out; on a
// writable project a read command never changes the file's bytes, and an empty file stays empty.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorData } from '../../../src-main/engine/errors.ts';
import { makeReadOnly } from '../../support/read-only.ts';
import { runCliAsync, spawnCli } from '../../support/run-cli.ts';
import { lockHolder } from '../../../src-main/engine/storage/project-lock.ts';
import { analysedCopies, type AnalysedCopies } from '../../support/analysed-copies.ts';

let copies: AnalysedCopies;
let dir: string;

beforeAll(async () => {
  copies = await analysedCopies('unitscope-readonly-', 'ro.unitscope');
  dir = copies.dir;
}, 120_000);
afterAll(() => copies.remove());

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A copy of the project (with its files folder) in a folder of its own. */
const copyOf = (name: string) => copies.copyOf(name);

function reads(project: string): string[][] {
  return [
    ['project', 'info', project],
    ['results', project],
    ['model', 'list', project],
    ['model', 'layers', project, 'tiny'],
    ['stimuli', 'list', project],
    ['export', project, '--run', '1', '--format', 'csv', '--out', join(dir, `export-${Math.random().toString(36).slice(2)}`)],
  ];
}

function writes(project: string): string[][] {
  return [
    ['run', project, '--model', 'tiny'],
    ['stimuli', 'import', project, join(dir, 'src', 'ro.files', 'images')],
    ['project', 'rename', project, '--name', 'renamed'],
    ['model', 'add', project, join(dir, 'src', 'ro.files', 'tiny.onnx'), '--name', 'again'],
  ];
}

async function expectReadsWork(project: string): Promise<void> {
  const commands = reads(project);
  const results = await Promise.all(commands.map((args) => runCliAsync(args)));
  results.forEach((result, i) => expect(result.code, `${commands[i]!.join(' ')}: ${result.stderr}`).toBe(0));
  const info = JSON.parse((await runCliAsync(['project', 'info', project, '--json'])).stdout) as { runs: { status: string }[]; imageCount: number };
  expect(info.imageCount).toBe(12);
  expect(info.runs.map((r) => r.status)).toEqual(['finished']);
}

async function expectWritesRefused(project: string, why: RegExp): Promise<void> {
  const commands = writes(project);
  const results = await Promise.all(commands.map((args) => runCliAsync(args)));
  for (const [i, result] of results.entries()) {
    const args = commands[i]!;
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, args.join(' ')).toHaveLength(1);
    expect(lines[0]).toContain(`${project}: the project is read-only (`);
    expect(lines[0]).toMatch(why);
    expect(lines[0]).toContain('make the file and its folder writable, or work on a copy');
  }
}

describe('a read-only project', () => {
  // A read-only folder (its WAL and shared-memory files cannot be made), or only the file.
  it.each([
    { what: 'a read-only folder', folder: 'folder', part: (project: string) => dirname(project), why: /read-only file system|its folder is read-only/ },
    { what: 'a read-only file in a writable folder', folder: 'file', part: (project: string) => project, why: /read-only file system|the file is read-only/ },
  ])('in $what: reads work, writes are refused naming the project and the way out', async ({ folder, part, why }) => {
    const project = copyOf(folder);
    const before = digest(project);
    const undo = makeReadOnly(part(project));
    try {
      await expectReadsWork(project);
      await expectWritesRefused(project, why);
    } finally {
      undo();
    }
    expect(digest(project)).toBe(before);
  }, 180_000);

  it('a read command never changes a writable project, and an empty file is no project', async () => {
    const project = copyOf('writable');
    const before = digest(project);
    const modified = statSync(project).mtimeMs;
    await expectReadsWork(project);
    expect(digest(project)).toBe(before);
    expect(statSync(project).mtimeMs).toBe(modified);

    const empty = join(dir, 'empty.unitscope');
    writeFileSync(empty, '');
    const result = await runCliAsync(['project', 'info', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`unitscope: ${empty}: not a Unitscope project (an empty file)`);
    expect(statSync(empty).size).toBe(0);
  }, 180_000);

  it("shows a killed run as interrupted without writing that down (a read changes nothing)", async () => {
    const project = copyOf('killed');
    const run = spawnCli(['run', project, '--model', 'tiny', '--batch', '1']);
    run.stdout!.resume();
    run.stderr!.resume();
    const exited = new Promise((r) => run.once('exit', r));
    const stored = () => {
      const db = new Database(project, { readonly: true });
      try {
        return (db.prepare('SELECT status FROM runs ORDER BY id').all() as { status: string }[]).map((r) => r.status);
      } finally {
        db.close();
      }
    };
    // Killed once its run is recorded (and still going: it holds the lock).
    while (stored().length < 2 && run.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    expect(lockHolder(project)?.pid).toBe(run.pid);
    run.kill('SIGKILL');
    await exited;
    expect(stored()).toEqual(['finished', 'running']);
    const before = digest(project);
    const info = JSON.parse((await runCliAsync(['project', 'info', project, '--json'])).stdout) as { runs: { status: string }[] };
    expect(info.runs.map((r) => r.status)).toEqual(['finished', 'interrupted']);
    expect(stored()).toEqual(['finished', 'running']); // the next write marks it, not a read
    expect(digest(project)).toBe(before);
  }, 120_000);

  it("SQLite's own refusal ('attempt to write a readonly database') is explained with the file and the way out", () => {
    const project = copyOf('native');
    const db = new Database(project, { readonly: true });
    let error: unknown;
    try {
      db.prepare("UPDATE meta SET value = 'x' WHERE key = 'name'").run();
    } catch (e) {
      error = e;
    } finally {
      db.close();
    }
    const data = toErrorData(error, { file: project });
    expect(data).toMatchObject({ kind: 'io', file: project });
    expect(data.message).toBe(
      `${project}: the file or its folder is read-only (attempt to write a readonly database); reading works; to change it, make the file and its folder writable or work on a copy`,
    );
  });
});
