// The stimuli and project-lifecycle commands, run as a user runs them (a child process per command).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { CLI } from '../support/run-cli.ts';
import { makeBadCorpus, writeJpeg } from '../engine/stimuli/corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-cli-stimuli-'));
const env = { UNITSCOPE_HOME: join(dir, 'home') };
// Asynchronous child processes: a synchronous spawn would block vitest's worker RPC for the whole command.
const cli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
const project = join(dir, 'set.unitscope');

beforeAll(async () => {
  await makeBadCorpus(join(dir, 'corpus'));
  for (let i = 0; i < 3; i++) await writeJpeg(join(dir, 'floc', i < 2 ? 'adult' : 'child', `${i < 2 ? 'adult' : 'child'}-${i + 1}.jpg`), i);
  await writeJpeg(join(dir, 'floc', 'scrambled', 'scrambled-1.jpg'), 9);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unitscope stimuli', async () => {
  it('imports with problems, exits 0 and prints {imported, problems}', async () => {
    expect((await cli(['project', 'create', project])).code).toBe(0);
    const result = await cli(['stimuli', 'import', project, join(dir, 'corpus'), '--control', 'scenes', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { imported: number; problems: { file: string; reason: string }[] };
    expect(json.imported).toBe(27);
    expect(json.problems.find((p) => p.file.endsWith('notes.png'))!.reason).toMatch(/not an image/);
    expect(json.problems.find((p) => p.file.endsWith('huge.png'))!.reason).toMatch(/50000x50000/);
  });

  it('exits 1 when no image is usable', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'faces'), { recursive: true });
    writeFileSync(join(bad, 'faces', 'a.jpg'), 'not a jpeg');
    const result = await cli(['stimuli', 'import', project, bad, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems[0].reason).toMatch(/not an image/);
  });

  it('recognises the fLoc layout with an editable map', async () => {
    const other = join(dir, 'floc.unitscope');
    await cli(['project', 'create', other]);
    const result = await cli(['stimuli', 'import', other, join(dir, 'floc'), '--map', 'child=kids', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.layout).toBe('floc');
    const cats = Object.fromEntries(json.categories.map((c: { name: string; images: number; role: string }) => [c.name, [c.images, c.role]]));
    expect(cats).toEqual({ faces: [2, 'target'], kids: [1, 'target'], scrambled: [1, 'control'] });
  });

  it('lists categories with counts and roles, and image records', async () => {
    const result = await cli(['stimuli', 'list', project, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.categories).toEqual([
      { name: 'faces', role: 'target', controlsFor: null, images: 14 },
      { name: 'scenes', role: 'control', controlsFor: null, images: 13 },
    ]);
    expect(json.images[0]).toMatchObject({ category: 'faces', format: 'jpeg', status: 'ok' });
  });

  it('scrambles a category into a control and checks the set', async () => {
    const scramble = await cli(['stimuli', 'scramble', project, '--from', 'faces', '--as', 'scrambled_faces', '--method', 'block', '--grid', '4', '--seed', '3', '--json']);
    expect(scramble.code).toBe(0);
    expect(JSON.parse(scramble.stdout)).toMatchObject({ category: 'scrambled_faces', images: 14 });
    expect(readdirSync(join(dir, 'set.files', 'stimuli', 'scrambled_faces'))).toHaveLength(14);
    rmSync(join(dir, 'corpus', 'faces', 'face 1.jpg'));
    const check = await cli(['stimuli', 'check', project, '--json']);
    expect(check.code).toBe(0);
    const report = JSON.parse(check.stdout);
    expect(report).toMatchObject({ images: 41, missing: 1 });
    expect(report.problems.some((p: { file: string; reason: string }) => p.file.endsWith('face 1.jpg') && /missing/.test(p.reason))).toBe(true);
  });

  it('rejects usage errors with exit 2', async () => {
    expect((await cli(['stimuli', 'scramble', project, '--from', 'faces', '--as', 'x', '--method', 'swirl'])).code).toBe(2);
    expect((await cli(['stimuli', 'import', project])).code).toBe(2);
  });
});

describe('unitscope demo-stimuli', async () => {
  it('writes six categories of 224 px images', async () => {
    const out = join(dir, 'demo');
    const result = await cli(['demo-stimuli', out, '--seed', '2', '--per-category', '3', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).categories.map((c: { name: string }) => c.name)).toEqual(['faces', 'bodies', 'scenes', 'words', 'scrambled_scenes', 'scrambled_words']);
    for (const c of ['faces', 'scrambled_words']) expect(readdirSync(join(out, c))).toHaveLength(3);
  });
});

describe('unitscope project rename/duplicate/delete/recent', async () => {
  it('moves, copies and deletes a project with its files folder, keeping stimuli found', async () => {
    const moved = join(dir, 'moved', 'renamed.unitscope');
    mkdirSync(join(dir, 'moved'));
    expect((await cli(['project', 'rename', project, '--to', moved])).code).toBe(0);
    expect(existsSync(join(dir, 'moved', 'renamed.files', 'stimuli', 'scrambled_faces'))).toBe(true);
    const check = JSON.parse((await cli(['stimuli', 'check', moved, '--json'])).stdout);
    expect(check).toMatchObject({ images: 41, missing: 1 }); // only the file removed above

    const copy = join(dir, 'copy.unitscope');
    expect((await cli(['project', 'duplicate', moved, copy, '--name', 'Copy'])).code).toBe(0);
    expect(JSON.parse((await cli(['stimuli', 'check', copy, '--json'])).stdout)).toMatchObject({ images: 41, missing: 1 });

    const recent = JSON.parse((await cli(['project', 'recent', '--json'])).stdout) as { path: string; name: string }[];
    expect(recent[0]).toMatchObject({ path: copy, name: 'Copy' });
    expect(recent.some((r) => r.path === moved)).toBe(true);
    expect(recent.some((r) => r.path === project)).toBe(false);

    expect((await cli(['project', 'delete', copy])).code).toBe(2);
    expect((await cli(['project', 'delete', copy, '--yes'])).code).toBe(0);
    expect(existsSync(copy) || existsSync(join(dir, 'copy.files'))).toBe(false);
    expect((JSON.parse((await cli(['project', 'recent', '--json'])).stdout) as { path: string }[]).some((r) => r.path === copy)).toBe(false);
  });
});
