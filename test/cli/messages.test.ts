// Failures that come from SQLite, the disk or the JavaScript runtime name the file and the way out
// (issue 15 item 7), from real CLI processes where the failure can be made real: a damaged project, a
// full disk under export and import --copy; the runtime's own errors through the one mapping. Model
// problems are failures (exit 1, one line), not usage errors (exit 2 with the usage text).
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorData } from '../../src-main/engine/errors.ts';
import { GraphBuilder, tensorValueInfo } from '../../src-main/engine/onnx/builder.ts';
import { generateTiny } from '../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel } from '../../src-main/engine/onnx/proto.ts';
import { Project } from '../../src-main/engine/project.ts';
import { runAnalysis } from '../../src-main/engine/runs/run-analysis.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { writeJpeg } from '../engine/stimuli/corpus.ts';
import { runCliAsync } from '../support/run-cli.ts';

let dir: string;
let project: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-messages-'));
  project = join(dir, 'src', 'm.unitscope');
  mkdirSync(join(dir, 'src'));
  await makeTinyProject(project, 4, 2);
  const opened = Project.open(project);
  await runAnalysis(opened, { model: 'tiny' });
  opened.close();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one line a failed command prints, after checking it failed with exit 1 and printed just that (after its progress). */
async function failure(args: string[]): Promise<string> {
  const result = await runCliAsync(args);
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n').filter((line) => !/^[a-z ]+: \d+\/\d+ /.test(line));
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

/** A real tmpfs of `kib` KiB at `path` (needs root, as the disk-full tests do); returns the unmount. */
function tmpfs(path: string, kib: number): () => void {
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', path]);
  return () => execFileSync('umount', [path]);
}

describe('failure messages name the file and the way out', () => {
  it('a damaged project ("database disk image is malformed")', async () => {
    const damaged = join(dir, 'damaged', 'm.unitscope');
    cpSync(join(dir, 'src'), join(dir, 'damaged'), { recursive: true });
    // Pages past the schema overwritten: the tables' b-trees no longer parse.
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(8 * 4096, 0xff), 0, 8 * 4096, 3 * 4096);
    closeSync(fd);
    // The open-time check sees the overwritten root pages before SQLite reads them (docs/storage.md).
    const line = await failure(['results', damaged]);
    expect(line).toBe(
      `unitscope: ${damaged}: the project is damaged (page 4, the root of table categories, is not a b-tree page; page 5, the root of index sqlite_autoindex_categories_1, is not a b-tree page; page 6, the root of table images, is not a b-tree page; and 5 more); nothing was read from the damaged part or written. To recover: if a -wal file sits beside the project, copy the project together with its -wal and -shm files before anything else opens it (they may hold the last good pages); restore the file from a backup; results exported before are in their export folders (manifest.json). 'unitscope project check ${damaged}' lists all damage`,
    );
  }, 60_000);

  it('a full disk under export: the folder is as it was, nothing is left on the disk', async () => {
    const mount = join(dir, 'full-export');
    const unmount = tmpfs(mount, 256);
    try {
      const out = join(mount, 'export');
      const line = await failure(['export', project, '--run', '1', '--format', 'csv', '--out', out]);
      expect(line).toMatch(new RegExp(`^unitscope: ${out}: the export was not written \\(the folder is as it was\\): the disk is full \\(ENOSPC[^)]*\\); free space on that disk and try again$`));
      expect(readdirSync(mount)).toEqual([]);
    } finally {
      unmount();
    }
  }, 60_000);

  it('a full disk under stimuli import --copy: the file is named, nothing is imported or left', async () => {
    const mount = join(dir, 'full-import');
    const unmount = tmpfs(mount, 640);
    try {
      const target = join(mount, 'p.unitscope');
      expect((await runCliAsync(['project', 'create', target])).code).toBe(0);
      const source = join(dir, 'big-stimuli');
      for (let i = 0; i < 12; i++) await writeJpeg(join(source, 'faces', `f${i}.jpg`), i, 640);
      const line = await failure(['stimuli', 'import', target, source, '--copy']);
      expect(line).toMatch(new RegExp(`^unitscope: ${join(mount, 'p.files', 'stimuli', 'faces')}/f\\d+\\.jpg: cannot copy ${source}/faces/f\\d+\\.jpg into the project \\(nothing was imported\\): the disk is full \\(ENOSPC[^)]*\\); free space on that disk and try again$`));
      const info = JSON.parse((await runCliAsync(['project', 'info', target, '--json'])).stdout) as { imageCount: number };
      expect(info.imageCount).toBe(0);
      expect(readdirSync(join(mount, 'p.files')).filter((n) => n !== 'stimuli')).toEqual([]); // no journal left
      expect(readdirSync(join(mount, 'p.files', 'stimuli'))).toEqual([]);
    } finally {
      unmount();
    }
  }, 120_000);

  it('a value too big for SQLite and an array too big for JavaScript, through the one mapping', () => {
    const db = new Database(':memory:');
    let tooBig: unknown;
    try {
      db.exec('CREATE TABLE t (v BLOB)');
      db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(1_000_000_001));
    } catch (error) {
      tooBig = error;
    } finally {
      db.close();
    }
    expect(toErrorData(tooBig, { file: project })).toEqual({
      kind: 'unsupported',
      file: project,
      message: `${project}: a value is larger than SQLite stores in one piece (1 GB) (The bound string, buffer, or bigint is too big); analyse fewer or smaller layers (model layers shows the units per tap)`,
    });
    let array: unknown;
    try {
      new Float64Array(30_000_000_000);
    } catch (error) {
      array = error;
    }
    expect(toErrorData(array, { file: project })).toEqual({
      kind: 'unsupported',
      file: project,
      message: `${project}: the data needs a larger array than JavaScript can allocate (Invalid typed array length: 30000000000); analyse fewer or smaller layers, or fewer categories at once`,
    });
  });

  it('model problems (a dynamic input size, nothing to tap) exit 1 with one line, not the usage', async () => {
    const dynamic = join(dir, 'dynamic.onnx');
    const model = generateTiny(1);
    model.graph!.input![0] = tensorValueInfo('input', 1, ['N', 3, 'H', 'W']);
    writeFileSync(dynamic, encodeModel(model));
    const g = new GraphBuilder();
    const x = g.input('input', ['N', 3, 32, 32]);
    const y = g.node('Relu', [x], {}, 'relu');
    g.output(y, ['N', 3, 32, 32]);
    const flat = join(dir, 'flat.onnx');
    writeFileSync(flat, encodeModel(g.model({ graphName: 'flat' })));
    const [first, second] = await Promise.all([
      failure(['model', 'add', project, dynamic, '--name', 'dyn']),
      failure(['model', 'add', project, flat, '--name', 'flat']),
    ]);
    expect(first).toBe(`unitscope: ${dynamic}: input 'input' has a dynamic spatial size (H x W); give the input size (--size H,W)`);
    expect(second).toMatch(new RegExp(`^unitscope: ${flat}: no architecture family Unitscope knows was recognized .*; see the candidate tensors with 'unitscope model inspect ${flat}' and name the taps with --taps$`));
    expect(statSync(project).size).toBeGreaterThan(0);
  }, 60_000);
});
