// A model's external-data weights are read only from beside the model (issue 14 item 1). A model that
// names an absolute path, a `..` step or a symlink out of its folder is refused before anything is
// read, from the CLI and in serve mode; weights in the model's folder (or a subfolder) still load.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineCallError } from '../../src-main/contract/client.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { generate } from '../../src-main/engine/onnx/generators/index.ts';
import { encodeModel, type ModelProto, type TensorProto } from '../../src-main/engine/onnx/proto.ts';
import { runCli } from '../support/run-cli.ts';

const base = mkdtempSync(join(tmpdir(), 'unitscope-external-'));
const models = join(base, 'models');
const outside = join(base, 'outside');
mkdirSync(join(models, 'data'), { recursive: true });
mkdirSync(outside);
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The tiny CNN with its first weight tensor moved to an external-data file at `location`. */
function modelWithExternalWeights(name: string, location: string, dataFile: string | null, where: 'initializer' | 'constant' = 'initializer'): string {
  const model: ModelProto = generate('tiny', 1);
  const graph = model.graph!;
  const tensor = graph.initializer!.find((t) => (t.rawData?.length ?? 0) > 64)!;
  if (dataFile) writeFileSync(dataFile, tensor.rawData!);
  const external: TensorProto = {
    ...tensor,
    rawData: new Uint8Array(0),
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(tensor.rawData!.length) },
    ],
  };
  if (where === 'initializer') {
    graph.initializer = graph.initializer!.map((t) => (t === tensor ? external : t));
  } else {
    // The same weights as a Constant node's value: onnxruntime would open that file itself.
    graph.initializer = graph.initializer!.filter((t) => t !== tensor);
    graph.node = [{ opType: 'Constant', output: [tensor.name!], attribute: [{ name: 'value', type: 4, t: external }] }, ...graph.node!];
  }
  const file = join(models, `${name}.onnx`);
  writeFileSync(file, encodeModel(model));
  return file;
}

// A file outside whose bytes would load as weights (the same size, so only the location check stops it).
const canary = join(outside, 'canary.bin');
const inFolder = modelWithExternalWeights('in-folder', 'in-folder.bin', join(models, 'in-folder.bin'));
const inSubfolder = modelWithExternalWeights('in-subfolder', 'data/w.bin', join(models, 'data', 'w.bin'));
const absolute = modelWithExternalWeights('absolute', canary, canary);
const dotdot = modelWithExternalWeights('dotdot', '../outside/canary.bin', null);
const backslash = modelWithExternalWeights('backslash', '..\\outside\\canary.bin', null);
symlinkSync(canary, join(models, 'linked.bin'));
const linked = modelWithExternalWeights('linked', 'linked.bin', null);
symlinkSync(outside, join(models, 'linkdir'));
const linkedDir = modelWithExternalWeights('linked-dir', 'linkdir/canary.bin', null);
const constant = modelWithExternalWeights('constant', '../outside/canary.bin', null, 'constant');

const REFUSED: [string, string, RegExp][] = [
  ['an absolute location', absolute, /is an absolute path/],
  ['a .. step', dotdot, /steps out of the model's folder/],
  ['a Windows-style ..\\ step', backslash, /steps out of the model's folder/],
  ['a symlinked file leading out', linked, /through a symbolic link/],
  ['a symlinked folder leading out', linkedDir, /through a symbolic link/],
  ["a Constant node's external value", constant, /steps out of the model's folder/],
];

describe('external data from the CLI', () => {
  const project = join(base, 'cli.unitscope');
  expect(runCli(['project', 'create', project]).code).toBe(0);

  for (const [what, file, reason] of REFUSED) {
    it(`refuses ${what}`, () => {
      const result = runCli(['model', 'add', project, file, '--name', 'm', '--preset', 'none']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(reason);
      expect(result.stderr).toContain(file);
    });
  }

  it('loads weights beside the model and in a subfolder', () => {
    for (const [name, file] of [['a', inFolder], ['b', inSubfolder]] as const) {
      const result = runCli(['model', 'add', project, file, '--name', name, '--preset', 'none', '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).taps.length).toBeGreaterThan(0);
    }
  });
});

describe('external data in serve mode', () => {
  // The models folder is shared; the canary's folder is not.
  const engine = new Engine({ mode: 'serve', roots: [models, join(base, 'served')] });
  const client = connectInProcess(engine);
  const project = join(base, 'served', 'p.unitscope');
  afterAll(() => {
    client.disconnect();
    engine.close();
  });

  it('refuses every location that leads out and loads the ones beside the model', async () => {
    mkdirSync(join(base, 'served'));
    await client.call('project.create', { path: project });
    for (const [what, file, reason] of REFUSED) {
      const error = (await client.call('model.add', { path: project, file, name: 'm', preset: 'none' }).catch((e: unknown) => e)) as EngineCallError;
      expect(error, what).toBeInstanceOf(EngineCallError);
      expect(error.kind, what).toBe('bad_input');
      expect(error.message, what).toMatch(reason);
    }
    const added = await client.call('model.add', { path: project, file: inFolder, name: 'ok', preset: 'none' });
    expect(added.taps.length).toBeGreaterThan(0);
  });
});
