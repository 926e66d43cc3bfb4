// `unitscope model inspect` as a user runs it: the graph and candidate taps of a file (weights-stripped
// files too), the same picks as `model add`, --json, and exit 1 with the reason when nothing can be tapped.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelInfo, ModelInspection } from '../../src-main/contract/models.ts';
import { GraphBuilder } from '../../src-main/engine/onnx/builder.ts';
import { generateTiny } from '../../src-main/engine/onnx/generators/tiny.ts';
import { decodeModel, encodeModel } from '../../src-main/engine/onnx/proto.ts';
import { SeededRandom } from '../../src-main/engine/onnx/random.ts';
import { fillStrippedWeights } from '../engine/onnx/fill-weights.ts';
import { tempDir } from '../engine/inference/helpers.ts';
import { spawnCli, type CliResult } from '../support/run-cli.ts';

/** The CLI in a child process without blocking this worker (adds of big models take seconds). */
function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const MORE = join(import.meta.dirname, '..', 'fixtures', 'torch-exports-more');
const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filled(name: string): string {
  const model = decodeModel(readFileSync(join(MORE, `${name}.weightless.onnx`)));
  fillStrippedWeights(model);
  const file = join(dir, `${name}.onnx`);
  writeFileSync(file, encodeModel(model));
  return file;
}

describe('unitscope model inspect', async () => {
  it('shows a weights-stripped file grouped by stage with the auto picks marked, and says it cannot be added', async () => {
    const file = join(MORE, 'mobilenet_v2_torch113.weightless.onnx');
    const text = await runCli(['model', 'inspect', file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^family {2}inverted-residual: /m);
    expect(text.stdout).toMatch(/^weights \d+ hold no data/m);
    expect(text.stdout).toMatch(/^stage 1: 112 x 112$/m);
    expect(text.stdout).toMatch(/^ {2}\*s +features\.17 +block +Conv +320x7x7 +15680 +\//m);
    const json = await runCli(['model', 'inspect', file, '--json']);
    const inspection = JSON.parse(json.stdout) as ModelInspection;
    expect(inspection.opset).toBe(13);
    expect(inspection.imageInput).toEqual({ name: 'input', batch: null, height: 224, width: 224 });
    expect(inspection.candidates.filter((c) => c.role === 'block').map((c) => c.name)).toEqual(Array.from({ length: 17 }, (_, i) => `features.${i + 1}`));
    const project = join(dir, 'stripped.unitscope');
    expect((await runCli(['project', 'create', project])).code).toBe(0);
    const add = await runCli(['model', 'add', project, file, '--name', 'm']);
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/weights hold no data .*weights-stripped file can be inspected \(model inspect\) but not run/);
  });

  it('prints the candidates model add picks (auto and --taps stages)', async () => {
    const file = filled('alexnet_torch113');
    const inspection = JSON.parse((await runCli(['model', 'inspect', file, '--json'])).stdout) as ModelInspection;
    const project = join(dir, 'alexnet.unitscope');
    expect((await runCli(['project', 'create', project])).code).toBe(0);
    const auto = JSON.parse((await runCli(['model', 'add', project, file, '--name', 'vgg', '--json'])).stdout) as ModelInfo;
    expect(auto.taps.map((t) => t.tensor)).toEqual(inspection.candidates.filter((c) => c.auto).map((c) => c.tensor));
    const stages = JSON.parse((await runCli(['model', 'add', project, file, '--name', 'vgg-stages', '--taps', 'stages', '--json'])).stdout) as ModelInfo;
    // What each of AlexNet's three pooling stages takes in.
    expect(stages.taps.map((t) => t.name)).toEqual(['features.1', 'features.4', 'features.11']);
    expect(stages.taps.map((t) => t.name)).toEqual(inspection.candidates.filter((c) => c.stages).map((c) => c.name));
    // Taps by candidate name, as inspect lists them.
    const byName = JSON.parse((await runCli(['model', 'add', project, file, '--name', 'vgg-pool', '--taps', 'features.2,classifier.1', '--json'])).stdout) as ModelInfo;
    expect(byName.taps.map((t) => [t.name, t.channels, t.height, t.width])).toEqual([['features.2', 64, 27, 27], ['classifier.1', 4096, 1, 1]]);
  });

  it('exits 1 pointing to model inspect when no family matches', async () => {
    const g = new GraphBuilder();
    const rng = new SeededRandom(1);
    const w = new Float32Array(8 * 3 * 9);
    rng.fillNormal(w, 0.1);
    let x = g.input('input', ['N', 3, 32, 32]);
    x = g.node('Conv', [x, g.weight('conv.weight', [8, 3, 3, 3], w)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv', 'conv');
    x = g.node('GlobalAveragePool', [x], {}, 'pool', 'pool');
    g.node('Flatten', [x], { axis: 1 }, 'out', 'flatten');
    g.output('out', ['N', 8]);
    const file = join(dir, 'conv-only.onnx');
    writeFileSync(file, encodeModel(g.model({ graphName: 'conv_only' })));
    const project = join(dir, 'none.unitscope');
    expect((await runCli(['project', 'create', project])).code).toBe(0);
    const add = await runCli(['model', 'add', project, file, '--name', 'm']);
    expect(add.code).toBe(1);
    expect(add.stderr).toContain(`${file}: no architecture family Unitscope knows was recognized`);
    expect(add.stderr).toContain(`unitscope model inspect ${file}`);
    const inspect = await runCli(['model', 'inspect', file]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/^family {2}none recognized/m);
    // The listed candidates can be tapped by name.
    expect((await runCli(['model', 'add', project, file, '--name', 'm', '--taps', 'conv'])).code).toBe(0);
  });

  it('names an unsupported operator before anything about taps (exit 1)', async () => {
    const model = generateTiny(1);
    // Every block output is now a FancyRelu: tap detection would find no residual block either.
    for (const n of model.graph!.node!) if (n.opType === 'Relu') n.opType = 'FancyRelu';
    const file = join(dir, 'fancy.onnx');
    writeFileSync(file, encodeModel(model));
    for (const args of [['model', 'inspect', file], ['model', 'add', join(dir, 'none.unitscope'), file, '--name', 'fancy']]) {
      const result = await runCli(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/operator FancyRelu is not supported by onnxruntime-node \(no such operator at opset 17/);
      expect(result.stderr).not.toMatch(/famil|tap/);
    }
    const custom = generateTiny(1);
    const relu = custom.graph!.node!.find((n) => n.opType === 'Relu')!;
    relu.opType = 'FancyRelu';
    relu.domain = 'com.example';
    custom.opsetImport!.push({ domain: 'com.example', version: 1 });
    const customFile = join(dir, 'custom.onnx');
    writeFileSync(customFile, encodeModel(custom));
    const result = await runCli(['model', 'inspect', customFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('uses custom operators that onnxruntime-node does not have: com.example:FancyRelu (1 node)');
  });
});
