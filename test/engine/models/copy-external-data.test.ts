// A model whose weights sit in external-data files (what PyTorch writes for exports over 2 GB) travels
// with them: `model add --copy` copies them into a folder of the model's own, a cluster bundle carries
// them, and either copy runs with the original folder gone, giving the run the inline model gives. Its
// recorded sha256 covers them: new weights in a data file are a changed model.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineCallError } from '../../../src-main/contract/client.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { modelSha256 } from '../../../src-main/engine/models/hash.ts';
import { copyModelFiles } from '../../../src-main/engine/models/model-files.ts';
import { generate } from '../../../src-main/engine/onnx/generators/index.ts';
import { encodeModel, type TensorProto } from '../../../src-main/engine/onnx/proto.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { checkInputFiles } from '../../../src-main/engine/runs/input-files.ts';
import { createBundle, readBundle } from '../../../src-main/engine/shards/bundle.ts';
import { mergePartials } from '../../../src-main/engine/shards/merge.ts';
import { runShard } from '../../../src-main/engine/shards/run-shard.ts';
import { tempDir } from '../inference/helpers.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';
import { compareRuns } from '../shards/compare-runs.ts';

/** The project's own tiny CNN is generate('tiny', SEED): the external-data copy has the same weights. */
const SEED = 1;

/**
 * Writes the tiny CNN to `folder`/tiny-ext.onnx with its three largest weight tensors in external-data
 * files: two in w.bin (at offsets), one in data/w1.bin (a subfolder). Returns the .onnx path.
 */
function externalDataModel(folder: string): string {
  mkdirSync(join(folder, 'data'), { recursive: true });
  const model = generate('tiny', SEED);
  const graph = model.graph!;
  const largest = [...graph.initializer!].sort((a, b) => (b.rawData?.length ?? 0) - (a.rawData?.length ?? 0)).slice(0, 3);
  const files = new Map<string, Uint8Array[]>([
    ['w.bin', []],
    ['data/w1.bin', []],
  ]);
  const moved = new Map<TensorProto, TensorProto>();
  largest.forEach((tensor, i) => {
    const location = i < 2 ? 'w.bin' : 'data/w1.bin';
    const parts = files.get(location)!;
    const offset = parts.reduce((s, p) => s + p.length, 0);
    parts.push(tensor.rawData!);
    moved.set(tensor, {
      ...tensor,
      rawData: new Uint8Array(0),
      dataLocation: 1,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(tensor.rawData!.length) },
      ],
    });
  });
  graph.initializer = graph.initializer!.map((t) => moved.get(t) ?? t);
  for (const [location, parts] of files) writeFileSync(join(folder, location), Buffer.concat(parts));
  const file = join(folder, 'tiny-ext.onnx');
  writeFileSync(file, encodeModel(model));
  return file;
}

const RECIPE = { recipe: 'pairwise-t', alpha: 0.2 } as const;

describe('models with external-data weights', () => {
  it('model add --copy copies the data files into the model folder; the copy runs like the inline model without the original', async () => {
    const dir = tempDir();
    const path = join(dir, 'p.unitscope');
    await makeTinyProject(path, 6, SEED);
    const source = join(dir, 'source');
    const file = externalDataModel(source);
    const engine = new Engine();
    const client = connectInProcess(engine);
    try {
      const added = await client.call('model.add', { path, file, name: 'ext', preset: 'none', copy: true });
      const folder = join(dir, 'p.files', 'models', 'ext');
      expect(added.path).toBe(join(folder, 'ext.onnx'));
      expect(readFileSync(join(folder, 'ext.onnx')).equals(readFileSync(file))).toBe(true);
      expect(readFileSync(join(folder, 'w.bin')).equals(readFileSync(join(source, 'w.bin')))).toBe(true);
      expect(readFileSync(join(folder, 'data', 'w1.bin')).equals(readFileSync(join(source, 'data', 'w1.bin')))).toBe(true);
      rmSync(source, { recursive: true });

      const inline = await client.call('run.start', { path, model: 'tiny', recipe: RECIPE });
      const copied = await client.call('run.start', { path, model: 'ext', recipe: RECIPE });
      expect([inline.status, copied.status]).toEqual(['finished', 'finished']);
      const project = Project.open(path);
      try {
        const cmp = compareRuns(project, inline.run, copied.run);
        expect(cmp.statsMaxRel).toBe(0);
        expect(cmp.maskDiffs).toBe(0);
        expect(cmp.selectiveA).toBeGreaterThan(0);
      } finally {
        project.close();
      }

      // New weights in a data file are a changed model, though the .onnx is the same: listed as
      // changed, refused by runs until recorded with model refresh.
      const weights = readFileSync(join(folder, 'w.bin'));
      weights[0] = weights[0]! ^ 0x01;
      writeFileSync(join(folder, 'w.bin'), weights);
      const listed = (await client.call('model.list', { path })).find((m) => m.name === 'ext')!;
      expect(listed.changed).toBe(true);
      const stale = await client.call('run.start', { path, model: 'ext', recipe: RECIPE }).catch((e: unknown) => e);
      expect((stale as EngineCallError).message).toMatch(/ext\.onnx: model 'ext' changed on disk since it was added to the project/);
      const refreshed = await client.call('model.refresh', { path, name: 'ext' });
      expect(refreshed.updated).toBe(true);
      expect(refreshed.model.sha256).not.toBe(added.sha256);
      expect(refreshed.previousSha256).toBe(added.sha256);
      expect((await client.call('model.list', { path })).find((m) => m.name === 'ext')!.changed).toBe(false);
      expect((await client.call('run.start', { path, model: 'ext', recipe: RECIPE })).status).toBe('finished');

      // A folder of that name already in the project is never written into.
      const taken = join(dir, 'p.files', 'models', 'ext2');
      mkdirSync(taken);
      writeFileSync(join(taken, 'w.bin'), 'not mine');
      const again = externalDataModel(join(dir, 'source2'));
      const refused = await client.call('model.add', { path, file: again, name: 'ext2', preset: 'none', copy: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(EngineCallError);
      expect((refused as EngineCallError).message).toMatch(/ext2: a file is already there; Unitscope does not replace files \(a model folder with this name/);
      expect(readFileSync(join(taken, 'w.bin'), 'utf8')).toBe('not mine');
      expect(existsSync(join(taken, 'ext2.onnx'))).toBe(false);
    } finally {
      client.disconnect();
      engine.close();
    }
  }, 120_000);

  it('a bundle carries the data files: a shard runs from it with the original gone', async () => {
    const dir = tempDir();
    const path = join(dir, 'p.unitscope');
    await makeTinyProject(path, 6, SEED);
    const source = join(dir, 'source');
    const engine = new Engine();
    const client = connectInProcess(engine);
    let inlineRun: number;
    try {
      await client.call('model.add', { path, file: externalDataModel(source), name: 'ext', preset: 'none' });
      inlineRun = (await client.call('run.start', { path, model: 'tiny', recipe: RECIPE })).run;
    } finally {
      client.disconnect();
      engine.close();
    }
    const project = Project.open(path);
    try {
      const bundleDir = join(dir, 'bundle');
      const bundle = await createBundle(project, { model: 'ext', out: bundleDir, recipe: RECIPE });
      expect(readFileSync(join(bundleDir, 'model', 'w.bin')).equals(readFileSync(join(source, 'w.bin')))).toBe(true);
      expect(existsSync(join(bundleDir, 'model', 'data', 'w1.bin'))).toBe(true);
      expect(bundle.bytes).toBeGreaterThan(readFileSync(join(source, 'w.bin')).length);
      rmSync(source, { recursive: true });
      const part = join(dir, 'shard-1-of-1.partial');
      await runShard(readBundle(bundleDir), { index: 1, count: 1 }, part, { provider: 'cpu' });
      const merged = await mergePartials(project, [part]);
      const cmp = compareRuns(project, inlineRun, merged.run);
      expect(cmp.statsMaxRel).toBe(0);
      expect(cmp.maskDiffs).toBe(0);
    } finally {
      project.close();
    }
  }, 120_000);

  it("a run's check of its inputs covers the data files: one rewritten after the check is caught", async () => {
    const dir = tempDir();
    const file = externalDataModel(join(dir, 'm'));
    const provenance = { project: join(dir, 'p.unitscope'), model: 'ext', recordedBy: 'project', reader: 'the test' } as const;
    const checked = await checkInputFiles({ model: { path: file, sha256: await modelSha256(file) }, images: [] }, provenance);
    checked.assertUnchanged();
    // Other bytes, the same size and mtime: only the data file's ctime and the check of it tell.
    const data = join(dir, 'm', 'data', 'w1.bin');
    const { atime, mtime } = statSync(data);
    const bytes = readFileSync(data);
    bytes[0] = bytes[0]! ^ 0x01;
    writeFileSync(data, bytes);
    utimesSync(data, atime, mtime);
    expect(() => checked.assertUnchanged()).toThrow(/tiny-ext\.onnx: the file changed while the test read it/);
  });

  it('a copy that fails part-way removes what it copied and leaves the file that was there', () => {
    const dir = tempDir();
    const source = join(dir, 'source');
    const file = externalDataModel(source);
    const target = join(dir, 'copy');
    mkdirSync(join(target, 'data'), { recursive: true });
    writeFileSync(join(target, 'data', 'w1.bin'), 'there before');
    const data = [
      { path: join(source, 'w.bin'), relativePath: 'w.bin' },
      { path: join(source, 'data', 'w1.bin'), relativePath: join('data', 'w1.bin') },
    ];
    expect(() => copyModelFiles(file, data, join(target, 'm.onnx'), 'the bundle')).toThrow(/w1\.bin: a file is already there; Unitscope does not replace files/);
    expect(existsSync(join(target, 'm.onnx'))).toBe(false);
    expect(existsSync(join(target, 'w.bin'))).toBe(false);
    expect(readFileSync(join(target, 'data', 'w1.bin'), 'utf8')).toBe('there before');
  });
});
