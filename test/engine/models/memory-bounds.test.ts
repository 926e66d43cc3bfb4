// model.add and run.start check what a model needs before the runtime allocates it: a batch fixed at
// 4096 and an 8192 x 8192 input are refused from their declared shapes (the child process adding them
// stays small); a 2 x 4096 x 4096 tap, which four categories could not store (SQLite's 1 GB value limit),
// is refused at add, and at run.start once the project has grown to four categories, instead of failing
// a run at its end; `--batch 512` on ResNet-50 under a 1 GiB budget is refused before the run is recorded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { GraphBuilder, tensorValueInfo } from '../../../src-main/engine/onnx/builder.ts';
import { generateTiny } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { bytesPerImage } from '../../../src-main/engine/inference/batching.ts';
import { generateModel } from '../../../src-main/engine/models/library.ts';
import { writeJpeg } from '../stimuli/corpus.ts';
import { refusal } from '../../support/refusal.ts';
import { moduleUrl, withPeakMemory } from '../../support/peak-memory.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tiny CNN with its input declared as `dims`. */
function tinyWithInput(name: string, dims: (number | string)[]): string {
  const model = generateTiny(1);
  model.graph!.input![0] = tensorValueInfo('input', 1, dims);
  const file = join(dir, name);
  writeFileSync(file, encodeModel(model));
  return file;
}

/** model.add in a child process: the refusal's message and the child's peak memory. */
function addInChild(file: string): { message: string; peakMiB: number } {
  const project = join(dir, `${Math.random().toString(36).slice(2)}.unitscope`);
  const { value, peakMiB } = withPeakMemory<string>(`
    const { Engine } = await import(${moduleUrl('src-main/engine/engine.ts')});
    const { connectInProcess } = await import(${moduleUrl('src-main/engine/connect.ts')});
    const client = connectInProcess(new Engine());
    await client.call('project.create', { path: ${JSON.stringify(project)} });
    return client.call('model.add', { path: ${JSON.stringify(project)}, file: ${JSON.stringify(file)}, name: 'm' }).then(() => 'added', (e) => e.message);
  `);
  return { message: value, peakMiB };
}

describe('model.add memory and storage bounds', () => {
  it('refuses a batch fixed at 4096 from the declared shape, without probing it', () => {
    const file = tinyWithInput('batch4096.onnx', [4096, 3, 64, 64]);
    const { message, peakMiB } = addInChild(file);
    expect(message).toBe(`${file}: the model's batch size is fixed at 4096; re-export it with a dynamic batch (or batch 1)`);
    expect(peakMiB).toBeLessThan(600); // probing would take 4096 images: 200 MiB of input alone, GBs inside
  });

  it('refuses an 8192 x 8192 input before allocating it, saying what it needs against the budget', () => {
    const file = tinyWithInput('huge-input.onnx', ['N', 3, 8192, 8192]);
    const { message, peakMiB } = addInChild(file);
    // The probe runs two images (a dynamic batch): each 768 MiB of input plus the 16-channel stride-2
    // stem twice (2 x 1 GiB).
    expect(message).toBe(
      `${file}: 2 8192 x 8192 images need at least 5632 MiB inside the model (input 'input' and its first convolution), over the memory budget of 1024 MiB; use a model with a smaller input size`,
    );
    expect(peakMiB).toBeLessThan(600);
  });

  it('refuses a 2 x 4096 x 4096 tap that four categories could not store, at add and at run.start', async () => {
    const g = new GraphBuilder();
    const x = g.input('input', ['N', 3, 4096, 4096]);
    const w = g.weight('wide.weight', [2, 3, 1, 1], new Float32Array(6).fill(0.5));
    g.node('Conv', [x, w], {}, 'wide');
    const pooled = g.node('GlobalAveragePool', ['wide'], {}, 'pool');
    g.output(pooled, ['N', 2, 1, 1]);
    const file = join(dir, 'wide-tap.onnx');
    writeFileSync(file, encodeModel(g.model({ graphName: 'wide' })));

    const engine = new Engine();
    const client = connectInProcess(engine);
    try {
      const stimuli = join(dir, 'wide-stimuli');
      for (const [k, category] of ['faces', 'bodies', 'scenes', 'words'].entries()) for (let i = 0; i < 2; i++) await writeJpeg(join(stimuli, k < 2 ? 'first' : 'more', category, `${i}.jpg`), 10 * k + i, 64);
      const grows = join(dir, 'grows.unitscope');
      await client.call('project.create', { path: grows });
      await client.call('stimuli.import', { path: grows, source: join(stimuli, 'first') });
      // With two categories the tap fits (2 x 33554432 units x 8 bytes); with four it does not.
      expect((await client.call('model.add', { path: grows, file, name: 'wide', taps: ['wide'] })).taps).toHaveLength(1);
      await client.call('stimuli.import', { path: grows, source: join(stimuli, 'more') });
      const atStart = await refusal(client.call('run.start', { path: grows, model: 'wide' }));
      expect(atStart.kind).toBe('unsupported');
      expect(atStart.message).toBe(
        "model wide: tap 'wide' (2 x 4096 x 4096 = 33554432 units) is too large to store: with 4 categories its statistics take 1073741824 bytes, over SQLite's 1000000000 per value; a tap can have at most 31250000 units (tap a smaller tensor, or a smaller input size)",
      );
      expect(await client.call('run.list', { path: grows })).toEqual([]);

      const four = join(dir, 'four.unitscope');
      await client.call('project.create', { path: four });
      await client.call('stimuli.import', { path: four, source: join(stimuli, 'first') });
      await client.call('stimuli.import', { path: four, source: join(stimuli, 'more') });
      const atAdd = await refusal(client.call('model.add', { path: four, file, name: 'wide', taps: ['wide'] }));
      expect(atAdd.kind).toBe('unsupported');
      expect(atAdd.message).toBe(`${file}: ${atStart.message.slice('model wide: '.length)}`);
      expect(await client.call('model.list', { path: four })).toEqual([]);
    } finally {
      client.disconnect();
      engine.close();
    }
  }, 120_000);

  it('refuses run --batch 512 on ResNet-50 under a 1 GiB budget before recording the run, saying what fits', async () => {
    const engine = new Engine();
    const client = connectInProcess(engine);
    try {
      const model = join(dir, 'resnet50.onnx');
      generateModel('resnet50', 0, model);
      const project = join(dir, 'resnet.unitscope');
      await client.call('project.create', { path: project });
      const stimuli = join(dir, 'resnet-stimuli');
      for (const [k, category] of ['faces', 'scenes'].entries()) for (let i = 0; i < 2; i++) await writeJpeg(join(stimuli, category, `${i}.jpg`), 20 * k + i, 96);
      await client.call('stimuli.import', { path: project, source: stimuli });
      await client.call('model.add', { path: project, file: model, name: 'resnet50', preset: 'imagenet' });
      const refused = await refusal(client.call('run.start', { path: project, model: 'resnet50', batch: 512, memoryBudgetMB: 1024 }));
      expect(refused.kind).toBe('unsupported');
      // The working set batching.ts counts per image (taps twice in the runtime, twice on the host, the input).
      const taps = await client.call('model.layers', { path: project, name: 'resnet50' });
      const perImage = bytesPerImage(taps, 224 * 224, 'float64');
      const MIB = 1024 * 1024;
      expect(perImage / MIB).toBeGreaterThan(80);
      expect(refused.message).toBe(
        `model resnet50: batch 512 needs about ${Math.ceil((512 * perImage) / MIB)} MiB (${Math.ceil(perImage / MIB)} MiB per image for ${taps.length} taps, float64 statistics), over the memory budget of 1024 MiB; batch ${Math.floor((1024 * MIB) / perImage)} fits (or leave --batch out and the engine picks it)`,
      );
      expect(await client.call('run.list', { path: project })).toEqual([]);
    } finally {
      client.disconnect();
      engine.close();
    }
  }, 180_000);
});
