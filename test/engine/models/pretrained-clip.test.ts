// immich-style CLIP RN50 towers (the committed torch.onnx.export graphs filled with weights, their input
// renamed `image` and the batch fixed at 1, as immich publishes them) from a local server: the
// catalogue entry's checks pass (input, batch, the tap map layer1.0 ... layer4.2 found by structure),
// preprocess_cfg.json beside the model confirms the clip preset, and the model runs. A config that
// disagrees with the preset stops the download and leaves nothing behind.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../../../src-main/contract/models.ts';
import { OPEN_POLICY } from '../../../src-main/engine/downloads/url-policy.ts';
import { extractSufficientStats } from '../../../src-main/engine/inference/extract.ts';
import { catalogueEntry } from '../../../src-main/engine/models/catalogue.ts';
import { listModels } from '../../../src-main/engine/models/library.ts';
import { downloadPretrained } from '../../../src-main/engine/models/pretrained.ts';
import { decodeModel, encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { writeImages } from '../inference/helpers.ts';
import { fillStrippedWeights } from '../onnx/fill-weights.ts';
import { scratchDirs } from '../../support/scratch.ts';

const tempDir = scratchDirs();

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports');
const BLOCKS = [3, 4, 6, 3].flatMap((n, s) => Array.from({ length: n }, (_, b) => `layer${s + 1}.${b}`));
const PREPROCESS_CFG = JSON.stringify({ size: [224, 224], mode: 'RGB', mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711], interpolation: 'bicubic', resize_mode: 'shortest', fill_color: 0 });

/** The fixture as immich ships a tower: weights in, input named `image`, batch 1. */
function immichStyle(fixture: string): Buffer {
  const model = decodeModel(readFileSync(join(FIXTURES, fixture)));
  fillStrippedWeights(model);
  const graph = model.graph!;
  const input = graph.input!.find((i) => !(graph.initializer ?? []).some((t) => t.name === i.name))!;
  const old = input.name!;
  input.name = 'image';
  input.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((n) => (n === old ? 'image' : n));
  return Buffer.from(encodeModel(model));
}

let server: FileServer;
const variants = ['clip_rn50_visual_torchscript.weightless.onnx', 'clip_rn50_visual_dynamo.weightless.onnx'];
const bodies = new Map<string, Buffer>();

beforeAll(async () => {
  server = await startFileServer();
  variants.forEach((fixture, i) => {
    const body = immichStyle(fixture);
    bodies.set(fixture, body);
    server.files.set(`/immich/${i}/visual/model.onnx`, body);
    server.files.set(`/immich/${i}/visual/preprocess_cfg.json`, Buffer.from(PREPROCESS_CFG));
  });
  server.files.set('/bilinear/visual/model.onnx', bodies.get(variants[0]!)!);
  server.files.set('/bilinear/visual/preprocess_cfg.json', Buffer.from(PREPROCESS_CFG.replace('bicubic', 'bilinear')));
});
afterAll(() => server.close());

function entryFor(path: string, body: Buffer): CatalogueEntry {
  const base = catalogueEntry('clip-rn50-openai');
  return {
    ...base,
    url: `${server.base}${path}/visual/model.onnx`,
    sha256: createHash('sha256').update(body).digest('hex'),
    approxBytes: body.length,
    companions: [{ role: 'preprocess_cfg', url: `${server.base}${path}/visual/preprocess_cfg.json` }],
  };
}

describe('clip-rn50-openai, immich-style, from a local server', () => {
  it.each(variants.map((v, i) => [v, i] as const))('%s: input image, batch 1, taps layer1.0 ... layer4.2 by structure, runs', async (fixture, i) => {
    const project = Project.create(join(tempDir(), 'study.unitscope'));
    const entry = entryFor(`/immich/${i}`, bodies.get(fixture)!);
    const model = await downloadPretrained(project, entry, { policy: OPEN_POLICY });
    expect(model.inputName).toBe('image');
    expect(model.preprocessing.preset).toBe('clip');
    const blocks = model.taps.filter((t) => t.name.startsWith('layer'));
    expect(blocks.map((t) => t.name)).toEqual(BLOCKS);
    expect(blocks.map((t) => [t.channels, t.height, t.width])).toEqual(entry.taps.filter((t) => t.name.startsWith('layer')).map((t) => t.shape));
    expect(readdirSync(join(project.filesDir, 'models')).sort()).toEqual(['clip-rn50-openai.onnx', 'clip-rn50-openai.preprocess_cfg.json']);
    expect((await listModels(project))[0]).toMatchObject({ storage: 'downloaded', changed: false });

    const dir = tempDir();
    const images = await writeImages(dir, [2, 1], 3);
    const result = await extractSufficientStats({ modelPath: model.path, preprocessing: model.preprocessing, inputName: 'image', taps: [blocks[0]!, blocks[15]!], images, categories: 2, provider: 'cpu' });
    for (const layer of result.layers) {
      expect(Array.from(layer.count)).toEqual([2, 1]);
      expect(layer.mean.every(Number.isFinite)).toBe(true);
      expect(layer.mean.some((v) => v !== 0)).toBe(true);
    }
    project.close();
  }, 120_000);

  it('stops when preprocess_cfg.json disagrees with the clip preset, and keeps nothing', async () => {
    const project = Project.create(join(tempDir(), 'study.unitscope'));
    const entry = entryFor('/bilinear', bodies.get(variants[0]!)!);
    await expect(downloadPretrained(project, entry, { policy: OPEN_POLICY })).rejects.toThrow(/preprocess_cfg\.json: the published preprocessing differs from the clip preset: interpolation "bilinear" \(preset: bicubic\)/);
    expect(await listModels(project)).toEqual([]);
    expect(readdirSync(join(project.filesDir, 'models'))).toEqual([]);
    project.close();
  }, 60_000);
});
