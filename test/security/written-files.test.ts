// Unitscope never replaces a file it did not make (issue 14 item 2): generated models, exports, demo
// sets, shard partials, downloads and project moves refuse to write over someone else's file (and say
// so); the same generated file, a re-export or a shard run again still work. Manifests and bundles
// someone sent cannot pull in files from outside their own folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusal } from '../support/refusal.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { writePng } from '../engine/stimuli/corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-written-'));
const engine = new Engine();
const client = connectInProcess(engine);
const project = join(dir, 'p.unitscope');
const theirs = 'a file the user made\n';

beforeAll(async () => {
  await makeTinyProject(project, 4, 3);
  await client.call('run.start', { path: project, model: 'tiny', provider: 'cpu' });
});
afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('no file the app did not make is replaced', () => {
  it('model.generate: the same file again is fine, another file is left alone', async () => {
    const out = join(dir, 'gen.onnx');
    const first = await client.call('model.generate', { kind: 'tiny', seed: 4, out });
    expect((await client.call('model.generate', { kind: 'tiny', seed: 4, out })).bytes).toBe(first.bytes);
    const error = await refusal(client.call('model.generate', { kind: 'tiny', seed: 5, out }));
    expect(error.kind).toBe('conflict');
    const mine = join(dir, 'notes.onnx');
    writeFileSync(mine, theirs);
    expect((await refusal(client.call('model.generate', { kind: 'tiny', seed: 4, out: mine }))).message).toMatch(/does not replace files/);
    expect(readFileSync(mine, 'utf8')).toBe(theirs);
  });

  it('export.run: into a folder of other files is refused; an earlier export folder is reused', async () => {
    const out = join(dir, 'export');
    await client.call('export.run', { path: project, run: 1, format: 'csv', out });
    await client.call('export.run', { path: project, run: 1, format: 'csv', out }); // its own folder
    const other = join(dir, 'documents');
    mkdirSync(other);
    writeFileSync(join(other, 'manifest.json'), theirs);
    expect((await refusal(client.call('export.run', { path: project, run: 1, format: 'csv', out: other }))).message).toMatch(/holds other files/);
    expect(readFileSync(join(other, 'manifest.json'), 'utf8')).toBe(theirs);
  });

  it('shard.run: a partial is replaced by the same shard run again, any other file is not', async () => {
    const out = join(dir, 's.partial');
    await client.call('shard.run', { source: project, model: 'tiny', shard: { index: 1, count: 2 }, out, provider: 'cpu' });
    await client.call('shard.run', { source: project, model: 'tiny', shard: { index: 1, count: 2 }, out, provider: 'cpu' });
    const mine = join(dir, 'mine.partial');
    writeFileSync(mine, theirs);
    expect((await refusal(client.call('shard.run', { source: project, model: 'tiny', shard: { index: 2, count: 2 }, out: mine, provider: 'cpu' }))).kind).toBe('conflict');
    expect(readFileSync(mine, 'utf8')).toBe(theirs);
  });

  it('demo.create: replaces an earlier demo, never another file named demo.unitscope or a folder it did not make', async () => {
    const out = join(dir, 'demo-out');
    mkdirSync(out);
    writeFileSync(join(out, 'demo.unitscope'), theirs);
    expect((await refusal(client.call('demo.create', { out }))).message).toMatch(/not a Unitscope project/);
    expect(readFileSync(join(out, 'demo.unitscope'), 'utf8')).toBe(theirs);
    const other = join(dir, 'demo-out2');
    mkdirSync(join(other, 'demo.files'), { recursive: true });
    writeFileSync(join(other, 'demo.files', 'keep.txt'), theirs);
    expect((await refusal(client.call('demo.create', { out: other }))).message).toMatch(/a folder the demo did not make/);
    expect(readFileSync(join(other, 'demo.files', 'keep.txt'), 'utf8')).toBe(theirs);
  });

  it('stimuli.demo: never writes over a file in the folder', async () => {
    const out = join(dir, 'demo-set');
    mkdirSync(join(out, 'faces'), { recursive: true });
    writeFileSync(join(out, 'faces', 'faces-01.png'), theirs);
    expect((await refusal(client.call('stimuli.demo', { outDir: out, perCategory: 1 }))).kind).toBe('conflict');
    expect(readFileSync(join(out, 'faces', 'faces-01.png'), 'utf8')).toBe(theirs);
  });

  it('model.download: a model file of that name in the project is refused before anything is fetched', async () => {
    const models = join(dir, 'p.files', 'models');
    mkdirSync(models, { recursive: true });
    writeFileSync(join(models, 'resnet50-imagenet-v1.onnx'), theirs);
    const error = await refusal(client.call('model.download', { path: project, id: 'resnet50-imagenet-v1', url: 'http://127.0.0.1:9/never.onnx' }));
    expect(error.kind).toBe('conflict');
    expect(readFileSync(join(models, 'resnet50-imagenet-v1.onnx'), 'utf8')).toBe(theirs);
  });

  it('project.rename and project.duplicate: a dangling symlink at the target is not written through', async () => {
    const target = join(dir, 'nowhere.unitscope');
    symlinkSync(join(dir, 'missing', 'x.unitscope'), target);
    expect((await refusal(client.call('project.duplicate', { path: project, to: target }))).message).toMatch(/already exists/);
    expect((await refusal(client.call('project.rename', { path: project, to: target }))).message).toMatch(/already exists/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('sources stay inside their own folder', () => {
  it('manifest rows outside the manifest folder are refused with the same words, whether the file exists or not', async () => {
    const set = join(dir, 'set');
    await writePng(join(set, 'img', 'in.png'), 1);
    await writePng(join(dir, 'elsewhere', 'out.png'), 2);
    writeFileSync(join(set, 'm.csv'), ['stim_file,category', 'img/in.png,faces', '../elsewhere/out.png,faces', '../elsewhere/nothing.png,faces', `${join(dir, 'elsewhere', 'out.png')},faces`].join('\n'));
    const target = join(dir, 'manifest.unitscope');
    await client.call('project.create', { path: target });
    const result = await client.call('stimuli.import', { path: target, source: join(set, 'm.csv') });
    expect(result.imported).toBe(1);
    const reasons = result.problems.filter((p) => p.file.includes('m.csv:')).map((p) => p.reason.replace(/"[^"]*"/, 'X'));
    expect(reasons).toEqual(["X is outside the manifest's folder", "X is outside the manifest's folder", "X is outside the manifest's folder"]);
  });

  it("a bundle's own files cannot lie outside the bundle folder", async () => {
    const bundle = join(dir, 'bundle');
    await client.call('shard.bundle', { path: project, model: 'tiny', out: bundle });
    const json = JSON.parse(readFileSync(join(bundle, 'bundle.json'), 'utf8')) as { files: { model: string } };
    json.files.model = '../p.files/tiny.onnx';
    writeFileSync(join(bundle, 'bundle.json'), JSON.stringify(json));
    const error = await refusal(client.call('shard.run', { source: bundle, shard: { index: 1, count: 1 }, out: join(dir, 'b.partial') }));
    expect(error.message).toMatch(/lies outside the bundle folder/);
  });
});
