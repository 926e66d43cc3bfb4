// The pretrained CLIP ViT-B/32 path against a local server: a TorchScript archive shaped like OpenAI's
// ViT-B-32.pt (the whole CLIP, float16, seeded weights; test/engine/weights/torchscript-archive.ts) is
// downloaded, verified by sha256, read as weights without running anything, built into the app's
// VisionTransformer and added with the catalogue's taps; its activations equal the generator's with the
// same (float16) weights. A file that is not the tower's is refused by name and leaves nothing behind.
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../../../src-main/contract/models.ts';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { OPEN_POLICY } from '../../../src-main/engine/downloads/url-policy.ts';
import { catalogueEntry } from '../../../src-main/engine/models/catalogue.ts';
import { listModels } from '../../../src-main/engine/models/library.ts';
import { downloadPretrained } from '../../../src-main/engine/models/pretrained.ts';
import { buildClipVit } from '../../../src-main/engine/onnx/generators/clip-vit.ts';
import { stateDictParameters } from '../../../src-main/engine/onnx/generators/parameters.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { parsePytorchArchive } from '../../../src-main/engine/weights/pytorch-archive.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { scratchDirs } from '../../support/scratch.ts';
import { maxAbs, maxRelativeError, plainStats, writeImages } from '../inference/helpers.ts';
import { randomStateDict } from '../weights/random-weights.ts';
import { torchScriptArchive } from '../weights/torchscript-archive.ts';

const tempDir = scratchDirs();

// The whole CLIP as OpenAI saves it: the image tower under `visual.`, a text tower and logit_scale beside it.
const tensors = [
  ...randomStateDict('clip-vit-b32', 5, 'visual.'),
  { name: 'transformer.resblocks.0.attn.in_proj_weight', shape: [1536, 512], data: new Float32Array(1536 * 512).fill(0.01) },
  { name: 'logit_scale', shape: [], data: Float32Array.of(4.6052) },
];
const file = Buffer.from(torchScriptArchive(tensors, 'ViT-B-32'));
const rn50 = Buffer.from(torchScriptArchive(randomStateDict('clip-rn50', 6, 'visual.').slice(0, 30), 'RN50'));
const sha256 = createHash('sha256').update(file).digest('hex');
let server: FileServer;
let entry: CatalogueEntry;

beforeAll(async () => {
  server = await startFileServer({ '/clip/ViT-B-32.pt': file, '/clip/RN50.pt': rn50 });
  entry = { ...catalogueEntry('clip-vit-b32-openai'), url: `${server.base}/clip/ViT-B-32.pt`, sha256, approxBytes: file.length };
});
afterAll(() => server.close());

describe('clip-vit-b32-openai from a local server', () => {
  it('downloads, verifies, reads the TorchScript weights, builds and adds; activations equal the generator with those weights', async () => {
    const project = Project.create(join(tempDir(), 'study.unitscope'));
    const phases = new Set<string>();
    const model = await downloadPretrained(project, entry, { policy: OPEN_POLICY, progress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(expect.arrayContaining(['download', 'convert', 'check']));
    expect(model.taps.map((t) => [t.name, t.tensor, t.channels, t.height, t.width])).toEqual(entry.taps.map((t) => [t.name, t.tensor, ...t.shape]));
    expect(model.preprocessing).toEqual(presetPreprocessing('clip'));
    const [info] = await listModels(project);
    expect(info).toMatchObject({ name: 'clip-vit-b32-openai', storage: 'downloaded' });
    expect(info!.source).toContain(sha256);
    expect(readdirSync(join(project.filesDir, 'models'))).toEqual(['clip-vit-b32-openai.onnx']);

    // The same weights as the reader widens them from float16, straight into the builder.
    const visual = [...parsePytorchArchive('ViT-B-32.pt', file)].filter(([name]) => name.startsWith('visual.')).map(([name, t]) => [name.slice('visual.'.length), t.values!] as const);
    const dir = tempDir();
    const generated = join(dir, 'generated.onnx');
    writeFileSync(generated, encodeModel(buildClipVit('clip-vit-b32', stateDictParameters(new Map(visual)))));
    const images = await writeImages(dir, [2, 1], 7);
    const taps = model.taps.filter((t) => ['stem', 'transformer.resblocks.5', 'transformer.resblocks.11', 'ln_post'].includes(t.name));
    const preprocessing = presetPreprocessing('clip');
    const [a, b] = [await plainStats(model.path, preprocessing, taps, images, 2), await plainStats(generated, preprocessing, taps, images, 2)];
    taps.forEach((tap, l) => {
      expect(maxAbs(b[l]!.mean[0]!), tap.name).toBeGreaterThan(0);
      expect(maxRelativeError(a[l]!.mean[0]!, b[l]!.mean[0]!, maxAbs(b[l]!.mean[0]!) * 1e-3), tap.name).toBeLessThan(1e-5);
    });
    project.close();
  }, 180_000);

  it('refuses a CLIP RN50 archive offered as ViT-B/32, naming the tensors, and keeps nothing', async () => {
    const project = Project.create(join(tempDir(), 'study.unitscope'));
    const wrong = { ...entry, url: `${server.base}/clip/RN50.pt`, sha256: createHash('sha256').update(rn50).digest('hex') };
    await expect(downloadPretrained(project, wrong, { policy: OPEN_POLICY })).rejects.toThrow(/do not fit clip-vit-b32 .*missing \d+: /);
    expect(await listModels(project)).toEqual([]);
    expect(readdirSync(join(project.filesDir, 'models'))).toEqual([]);
    project.close();
  }, 60_000);
});
