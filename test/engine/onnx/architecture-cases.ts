// Shared by architectures-*.test.ts. Real torch.onnx.export graphs of every architecture family auto-tap knows (weights stripped, filled
// with seeded random values): each is added through the contract with auto taps, gets the blocks its
// family defines with torchvision's module names and shapes, and the extracted statistics equal those of
// plainly exposed outputs. Files: test/fixtures/torch-exports-more (README.md) and ../torch-exports.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import type { StatsPrecision } from '../../../src-main/contract/recipe.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { extractSufficientStats } from '../../../src-main/engine/inference/extract.ts';
import { decodeModel, encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { maxAbs, maxRelativeError, plainStats, tempDir, writeImages } from '../inference/helpers.ts';
import { fillStrippedWeights } from './fill-weights.ts';

const MORE = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports-more');
const FIRST = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports');

const range = (n: number, name: (i: number) => string) => Array.from({ length: n }, (_, i) => name(i));
const stages = (depths: number[], name: (s: number, b: number) => string) => depths.flatMap((n, s) => range(n, (b) => name(s, b)));
const resnet = (depths: number[]) => stages(depths, (s, b) => `layer${s + 1}.${b}`);

interface Case {
  file: string;
  dir?: string;
  family: string;
  blocks: string[];
  /** [channels, height, width] of the first and last block, and their layout. */
  first: [number, number, number];
  last: [number, number, number];
  tokens?: { extra: number };
  stem: boolean;
  pool: string | null;
  /** The blocks and the stem are L x N x D in the graph. */
  sequenceFirst?: boolean;
}

const cases: Case[] = [
  { file: 'alexnet_torch113', family: 'plain', blocks: ['features.1', 'features.4', 'features.7', 'features.9', 'features.11', 'classifier.2', 'classifier.5'], first: [64, 55, 55], last: [4096, 1, 1], stem: false, pool: null },
  { file: 'vgg16_torch113', family: 'plain', blocks: [...[1, 3, 6, 8, 11, 13, 15, 18, 20, 22, 25, 27, 29].map((i) => `features.${i}`), 'classifier.1', 'classifier.4'], first: [64, 224, 224], last: [4096, 1, 1], stem: false, pool: null },
  { file: 'resnet18_torch113', family: 'residual', blocks: resnet([2, 2, 2, 2]), first: [64, 56, 56], last: [512, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'resnext50_32x4d_torch113', family: 'residual', blocks: resnet([3, 4, 6, 3]), first: [256, 56, 56], last: [2048, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'wide_resnet50_2_torch113', family: 'residual', blocks: resnet([3, 4, 6, 3]), first: [256, 56, 56], last: [2048, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'regnet_y_400mf_torch113', family: 'residual', blocks: stages([1, 3, 6, 6], (s, b) => `trunk_output.block${s + 1}.block${s + 1}-${b}`), first: [48, 56, 56], last: [440, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'densenet121_torch113', family: 'dense', blocks: ['features.denseblock1', 'features.transition1', 'features.denseblock2', 'features.transition2', 'features.denseblock3', 'features.transition3', 'features.denseblock4'], first: [256, 56, 56], last: [1024, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'mobilenet_v2_torch113', family: 'inverted-residual', blocks: range(17, (i) => `features.${i + 1}`), first: [16, 112, 112], last: [320, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'mobilenet_v3_small_torch113', family: 'inverted-residual', blocks: range(11, (i) => `features.${i + 1}`), first: [16, 56, 56], last: [96, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'efficientnet_b0_torch113', family: 'inverted-residual', blocks: stages([1, 2, 2, 3, 3, 4, 1], (s, b) => `features.${s + 1}.${b}`), first: [16, 112, 112], last: [320, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'convnext_tiny_torch113', family: 'inverted-residual', blocks: stages([3, 3, 9, 3], (s, b) => `features.${2 * s + 1}.${b}`), first: [96, 56, 56], last: [768, 7, 7], stem: true, pool: 'avgpool' },
  { file: 'vit_b_16_torch113', family: 'transformer', blocks: range(12, (i) => `encoder.layers.encoder_layer_${i}`), first: [768, 14, 14], last: [768, 14, 14], tokens: { extra: 1 }, stem: true, pool: 'class_token' },
  { file: 'vit_b_32_torch113', family: 'transformer', blocks: range(12, (i) => `encoder.layers.encoder_layer_${i}`), first: [768, 7, 7], last: [768, 7, 7], tokens: { extra: 1 }, stem: true, pool: 'class_token' },
  // OpenAI CLIP's ViT keeps its tokens L x N x D inside the transformer (export_clip_vit.py).
  { file: 'clip_vit_b32_torch113', family: 'transformer', blocks: range(12, (i) => `transformer.resblocks.${i}`), first: [768, 7, 7], last: [768, 7, 7], tokens: { extra: 1 }, stem: true, pool: 'class_token', sequenceFirst: true },
  { file: 'swin_t_torch113', family: 'transformer', blocks: stages([2, 2, 6, 2], (s, b) => `features.${2 * s + 1}.${b}`), first: [96, 56, 56], last: [768, 7, 7], tokens: { extra: 0 }, stem: true, pool: 'avgpool' },
  ...['resnet50_torchscript', 'resnet50_dynamo', 'clip_rn50_visual_torchscript', 'clip_rn50_visual_dynamo'].map((file) => ({
    file,
    dir: FIRST,
    family: 'residual',
    blocks: resnet([3, 4, 6, 3]),
    first: [256, 56, 56] as [number, number, number],
    last: [2048, 7, 7] as [number, number, number],
    stem: true,
    pool: file.startsWith('clip') ? 'attnpool' : 'avgpool',
  })),
];

/** Registers the test of each case whose family is one of `families` (split over files so they run in parallel). */
export function describeFamilies(families: readonly string[]): void {
  const engine = new Engine();
  const client = connectInProcess(engine);
  const dir = tempDir();
  const project = join(dir, 'architectures.unitscope');
  beforeAll(async () => {
    await client.call('project.create', { path: project });
  });
  afterAll(() => {
    client.disconnect();
    engine.close();
    // The filled models are hundreds of MB each (VGG-16: 528 MB).
    rmSync(dir, { recursive: true, force: true });
  });

  describe(`auto-tap on real torch exports: ${families.join(', ')}`, () => {
    it.each(cases.filter((c) => families.includes(c.family)))('$file: $family, its blocks by module name, statistics equal plain outputs', async (c) => {
      const model = decodeModel(readFileSync(join(c.dir ?? MORE, `${c.file}.weightless.onnx`)));
      expect(fillStrippedWeights(model)).toBeGreaterThan(5);
      const modelPath = join(dir, `${c.file}.onnx`);
      writeFileSync(modelPath, encodeModel(model));

      const inspection = await client.call('model.inspect', { file: modelPath });
      expect(inspection.family).toBe(c.family);
      const added = await client.call('model.add', { path: project, file: modelPath, name: c.file, preset: 'imagenet' });
      // model inspect shows the very taps the add picked.
      expect(inspection.candidates.filter((t) => t.auto).map((t) => [t.name, t.tensor])).toEqual(added.taps.map((t) => [t.name, t.tensor]));
      const blocks = added.taps.filter((t) => t.name !== 'stem' && t.name !== c.pool);
      expect(blocks.map((t) => t.name)).toEqual(c.blocks);
      expect(added.taps[0]!.name === 'stem').toBe(c.stem);
      expect(added.taps.at(-1)!.name).toBe(c.pool ?? c.blocks.at(-1));
      const shape = (t: (typeof blocks)[number]) => [t.channels, t.height, t.width];
      expect(shape(blocks[0]!)).toEqual(c.first);
      expect(shape(blocks.at(-1)!)).toEqual(c.last);
      if (c.tokens) {
        for (const b of blocks) expect([b.layout, b.extraTokens ?? 0]).toEqual(['tokens', c.tokens.extra]);
        expect(blocks[0]!.units).toBe(c.first[0] * (c.first[1] * c.first[2] + c.tokens.extra));
      } else {
        for (const b of blocks) expect(b.layout ?? 'chw').toBe('chw');
      }
      for (const t of added.taps) expect(t.batchAxis, t.name).toBe(c.sequenceFirst && t.name !== c.pool ? 1 : undefined);

      const images = await writeImages(dir, [2, 1], 3);
      const preprocessing = presetPreprocessing('imagenet');
      const taps = [blocks[0]!, blocks.at(-1)!, ...(c.pool ? [added.taps.at(-1)!] : [])];
      const plain = await plainStats(modelPath, preprocessing, taps, images, 2);
      // Token taps (sequence-first ones interleave the images of a batch) are extracted in batches of 2, in
      // both precisions: exposed outputs, and the in-graph float32 sums. Those measured 1.2e-5 to 2.1e-5 from
      // the plain outputs on the ViT exports (batch-first and sequence-first alike; docs/extraction.md).
      const settings: { batchSize?: number; precision?: StatsPrecision }[] = c.tokens ? [{ batchSize: 2, precision: 'float64' }, { batchSize: 2, precision: 'float32' }] : [{}];
      for (const setting of settings) {
        const result = await extractSufficientStats({ modelPath, preprocessing, inputName: added.inputName, taps, images, categories: 2, provider: 'cpu', ...setting });
        taps.forEach((tap, l) => {
          const got = result.layers[l]!;
          const want = plain[l]!;
          expect(Array.from(got.count)).toEqual([2, 1]);
          expect(maxAbs(want.mean[0]!)).toBeGreaterThan(0);
          const tolerance = setting.precision === 'float32' ? 5e-5 : 1e-6;
          expect(maxRelativeError(got.mean, want.mean[0]!, maxAbs(want.mean[0]!) * 1e-3), `${tap.name} mean`).toBeLessThan(tolerance);
          expect(maxRelativeError(got.m2, want.variance[0]!, maxAbs(want.variance[0]!) * 1e-3), `${tap.name} M2`).toBeLessThan(tolerance);
        });
      }
    });
  });
}
