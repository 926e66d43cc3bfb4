// Every way a model file can be unusable gets one clear message naming the file, through the contract,
// and the engine keeps serving afterwards.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineCallError } from '../../../src-main/contract/client.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { generateTiny } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel, type ModelProto } from '../../../src-main/engine/onnx/proto.ts';
import { tensorValueInfo } from '../../../src-main/engine/onnx/builder.ts';
import { tempDir } from '../inference/helpers.ts';

const dir = tempDir();
const engine = new Engine();
const client = connectInProcess(engine);
const project = join(dir, 'p.unitscope');
afterAll(() => {
  client.disconnect();
  engine.close();
});

function variant(name: string, change: (m: ModelProto) => void): string {
  const model = generateTiny(1);
  change(model);
  const file = join(dir, name);
  writeFileSync(file, encodeModel(model));
  return file;
}

async function addError(file: string, extra: Record<string, unknown> = {}): Promise<EngineCallError> {
  try {
    await client.call('model.add', { path: project, file, name: `m${Math.random().toString(36).slice(2, 8)}`, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(EngineCallError);
    return error as EngineCallError;
  }
  throw new Error(`model.add accepted ${file}`);
}

describe('bad models', () => {
  it('each gets one clear message naming the file, and the engine keeps serving', async () => {
    await client.call('project.create', { path: project });
    const good = variant('good.onnx', () => undefined);

    const text = join(dir, 'notes.onnx');
    writeFileSync(text, 'this is not a model\n');
    const truncated = join(dir, 'truncated.onnx');
    const bytes = readFileSync(good);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const opset = variant('opset.onnx', (m) => (m.opsetImport = [{ domain: '', version: 99 }]));
    const operator = variant('operator.onnx', (m) => (m.graph!.node!.find((n) => n.opType === 'Relu')!.opType = 'FancyRelu'));
    const twoInputs = variant('two-inputs.onnx', (m) => m.graph!.input!.push(tensorValueInfo('mask', 1, ['N', 1, 64, 64])));
    const gray = variant('gray.onnx', (m) => (m.graph!.input![0] = tensorValueInfo('input', 1, ['N', 1, 64, 64])));
    const dynamic = variant('dynamic.onnx', (m) => (m.graph!.input![0] = tensorValueInfo('input', 1, ['N', 3, 'H', 'W'])));
    const external = variant('external.onnx', (m) => {
      const t = m.graph!.initializer!.find((i) => i.name === 'conv1.weight')!;
      t.rawData = new Uint8Array(0);
      t.dataLocation = 1;
      t.externalData = [{ key: 'location', value: 'external.onnx.data' }];
    });

    const cases: [string, string, RegExp][] = [
      [text, 'bad_input', /not an ONNX model/],
      [truncated, 'bad_input', /truncated/],
      [opset, 'unsupported', /opset 99 is not supported/],
      [operator, 'unsupported', /operator FancyRelu is not supported/],
      [twoInputs, 'unsupported', /has 2 inputs \(input, mask\)/],
      [gray, 'unsupported', /N x 1 x 64 x 64.*needs a float input of shape N x 3 x H x W/],
      [dynamic, 'validation', /dynamic spatial size.*--size/],
      [external, 'not_found', /external-data file 'external.onnx.data' that is missing/],
    ];
    for (const [file, kind, message] of cases) {
      const error = await addError(file);
      expect(error.data.kind, file).toBe(kind);
      expect(error.message, file).toMatch(message);
      expect(error.message.startsWith(file), error.message).toBe(true);
      expect(error.message.split('\n')).toHaveLength(1);
    }
    // A dynamic-size model is fine once the size is given.
    const withSize = await client.call('model.add', { path: project, file: dynamic, name: 'dynamic', size: [64, 64] });
    expect(withSize.taps.map((t) => t.name)).toEqual(['stem', 'layer1.0', 'layer2.0', 'layer3.0', 'avgpool']);
    // Still serving: a good model is added and listed.
    const added = await client.call('model.add', { path: project, file: good, name: 'good', copy: true });
    expect(added.storage).toBe('copied');
    const list = await client.call('model.list', { path: project });
    expect(list.map((m) => [m.name, m.changed])).toEqual([['dynamic', false], ['good', false]]);
  });
});
