// model refresh: records a changed model file (sha256, size, input, tap shapes by tensor) and refuses a
// file that cannot stand for the model (other input size, a tapped tensor gone), leaving the entry as it was.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineCallError } from '../../../src-main/contract/client.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { tensorValueInfo } from '../../../src-main/engine/onnx/builder.ts';
import { generateTiny } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel, type ModelProto } from '../../../src-main/engine/onnx/proto.ts';
import { tempDir } from '../inference/helpers.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

const dir = tempDir();
const path = join(dir, 'r.unitscope');
const modelFile = join(dir, 'r.files', 'tiny.onnx');
const engine = new Engine();
const client = connectInProcess(engine);
let original: Buffer;

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function writeVariant(seed: number, change: (m: ModelProto) => void = () => undefined): Buffer {
  const model = generateTiny(seed);
  change(model);
  const bytes = Buffer.from(encodeModel(model));
  writeFileSync(modelFile, bytes);
  return bytes;
}

async function refuse(): Promise<EngineCallError> {
  return (await client.call('model.refresh', { path, name: 'tiny' }).then(
    () => {
      throw new Error('model.refresh accepted the file');
    },
    (e: unknown) => e,
  )) as EngineCallError;
}

beforeAll(async () => {
  await makeTinyProject(path, 3, 4);
  original = readFileSync(modelFile);
}, 60_000);
afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('model refresh', () => {
  it('leaves an unchanged file alone and records a changed one', async () => {
    const before = (await client.call('model.list', { path }))[0]!;
    expect(await client.call('model.refresh', { path, name: 'tiny' })).toMatchObject({ updated: false, previousSha256: sha(original), model: { sha256: sha(original) } });
    const bytes = writeVariant(77);
    expect((await client.call('model.list', { path }))[0]!.changed).toBe(true);
    const result = await client.call('model.refresh', { path, name: 'tiny' });
    expect(result).toMatchObject({ updated: true, previousSha256: sha(original), model: { sha256: sha(bytes), bytes: bytes.length, changed: false, missing: false } });
    expect(result.model.taps).toEqual(before.taps);
  }, 60_000);

  it('refuses a file with another input size or without a tapped tensor, keeping the entry', async () => {
    const recorded = (await client.call('model.list', { path }))[0]!;
    writeVariant(5, (m) => (m.graph!.input![0] = tensorValueInfo('input', 1, ['N', 3, 32, 32])));
    let error = await refuse();
    expect(error.kind).toBe('validation');
    expect(error.message).toMatch(/fixed at 32 x 32.*add the new file as a new model/);
    expect(error.data.file).toBe(modelFile);

    const tapped = recorded.taps[1]!.tensor;
    writeVariant(5, (m) => {
      for (const node of m.graph!.node!) {
        node.output = node.output!.map((t) => (t === tapped ? `${t}_renamed` : t));
        node.input = node.input!.map((t) => (t === tapped ? `${t}_renamed` : t));
      }
    });
    error = await refuse();
    expect(error.message).toContain(`no tensor '${tapped}' that model 'tiny' taps`);
    expect((await client.call('model.list', { path }))[0]).toMatchObject({ sha256: recorded.sha256, taps: recorded.taps, changed: true });

    rmSync(modelFile);
    error = await refuse();
    expect(error).toMatchObject({ kind: 'not_found', data: { file: modelFile } });
  }, 60_000);
});
