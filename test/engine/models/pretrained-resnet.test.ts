// The pretrained ResNet-50 path against a local server: a safetensors file of seeded weights in
// torchvision's naming is downloaded (the first connection dropped halfway and resumed with a Range
// request), verified by sha256, built into the app's network and added; its activations equal the
// generator's with the same weights. Wrong bytes and weights that do not fit are refused by name.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../../../src-main/contract/models.ts';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { OPEN_POLICY } from '../../../src-main/engine/downloads/url-policy.ts';
import { catalogueEntry } from '../../../src-main/engine/models/catalogue.ts';
import { listModels } from '../../../src-main/engine/models/library.ts';
import { downloadPretrained } from '../../../src-main/engine/models/pretrained.ts';
import { stateDictParameters } from '../../../src-main/engine/onnx/generators/parameters.ts';
import { buildResnet50 } from '../../../src-main/engine/onnx/generators/resnet50.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { convertWeights } from '../../../src-main/engine/weights/import-weights.ts';
import { encodeSafetensors, type TensorToWrite } from '../../../src-main/engine/weights/safetensors.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { maxAbs, maxRelativeError, plainStats, writeImages } from '../inference/helpers.ts';
import { randomStateDict } from '../weights/random-weights.ts';
import { scratchDirs } from '../../support/scratch.ts';

const tempDir = scratchDirs();

const tensors = randomStateDict('resnet50', 3);
const file = encodeSafetensors(tensors);
const sha256 = createHash('sha256').update(file).digest('hex');
let server: FileServer;
let entry: CatalogueEntry;

beforeAll(async () => {
  server = await startFileServer({ '/timm/model.safetensors': file, '/other.safetensors': Buffer.alloc(file.length, 3) });
  entry = { ...catalogueEntry('resnet50-imagenet-v1'), url: `${server.base}/timm/model.safetensors`, sha256, approxBytes: file.length };
});
afterAll(() => server.close());

function newProject(): Project {
  return Project.create(join(tempDir(), 'study.unitscope'));
}

function writeWeights(dir: string, list: TensorToWrite[]): string {
  const path = join(dir, 'w.safetensors');
  writeFileSync(path, encodeSafetensors(list));
  return path;
}

describe('resnet50-imagenet-v1 from a local server', () => {
  it('downloads (resuming a dropped connection), verifies, converts and adds; activations equal the generator with those weights', async () => {
    const project = newProject();
    server.requests.length = 0;
    server.dropNext('/timm/model.safetensors', 1);
    const phases = new Set<string>();
    const model = await downloadPretrained(project, entry, { policy: OPEN_POLICY, progress: (p) => phases.add(p.phase) });
    expect(server.requests[0]!.range).toBeUndefined();
    expect(server.requests[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect([...phases]).toEqual(expect.arrayContaining(['download', 'convert', 'check']));
    expect(model.taps.map((t) => t.name)).toEqual(entry.taps.map((t) => t.name));
    const [info] = await listModels(project);
    expect(info).toMatchObject({ name: 'resnet50-imagenet-v1', storage: 'downloaded', changed: false });
    expect(info!.source).toContain(sha256);
    // Only the ONNX stays: no .part, no safetensors.
    expect(readdirSync(join(project.filesDir, 'models'))).toEqual(['resnet50-imagenet-v1.onnx']);

    const dir = tempDir();
    const generated = join(dir, 'generated.onnx');
    writeFileSync(generated, encodeModel(buildResnet50(stateDictParameters(new Map(tensors.map((t) => [t.name, t.data]))))));
    const images = await writeImages(dir, [2, 1], 5);
    const taps = model.taps.filter((t) => ['layer1.0', 'layer3.5', 'layer4.2', 'avgpool'].includes(t.name));
    const preprocessing = presetPreprocessing('imagenet');
    const [a, b] = [await plainStats(model.path, preprocessing, taps, images, 2), await plainStats(generated, preprocessing, taps, images, 2)];
    taps.forEach((tap, l) => expect(maxRelativeError(a[l]!.mean[0]!, b[l]!.mean[0]!, maxAbs(b[l]!.mean[0]!) * 1e-3), tap.name).toBeLessThan(1e-5));
    project.close();
  }, 120_000);

  it('after a crash between download and add, uses the verified file again instead of fetching it twice', async () => {
    const project = newProject();
    mkdirSync(join(project.filesDir, 'models'), { recursive: true });
    writeFileSync(join(project.filesDir, 'models', 'resnet50-imagenet-v1.safetensors'), file);
    server.requests.length = 0;
    await downloadPretrained(project, entry, { policy: OPEN_POLICY });
    expect(server.requests).toEqual([]);
    expect((await listModels(project)).map((m) => m.name)).toEqual(['resnet50-imagenet-v1']);
    project.close();
  }, 60_000);

  it('refuses wrong bytes from a mirror and leaves nothing behind', async () => {
    const project = newProject();
    await expect(downloadPretrained(project, entry, { url: `${server.base}/other.safetensors`, policy: OPEN_POLICY })).rejects.toThrow(/checksum mismatch: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/);
    expect(await listModels(project)).toEqual([]);
    expect(readdirSync(join(project.filesDir, 'models'))).toEqual([]);
    project.close();
  });

  it('names a missing, an unexpected and a mis-shaped tensor, and writes no ONNX', async () => {
    const dir = tempDir();
    const broken = tensors
      .filter((t) => t.name !== 'layer2.0.conv1.weight')
      .map((t) => (t.name === 'conv1.weight' ? { ...t, shape: [64, 3, 3, 3], data: new Float32Array(64 * 27) } : t));
    broken.push({ name: 'head.extra.weight', shape: [4], data: new Float32Array(4) });
    const out = join(dir, 'r.onnx');
    const error = await convertWeights(writeWeights(dir, broken), 'resnet50', out).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/w\.safetensors: these weights do not fit resnet50/);
    expect((error as Error).message).toContain('missing 1: layer2.0.conv1.weight');
    expect((error as Error).message).toContain('unexpected 1: head.extra.weight');
    expect((error as Error).message).toContain('wrong shape 1: conv1.weight is [64, 3, 3, 3], expected [64, 3, 7, 7]');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('refuses CLIP weights offered as ResNet-50, pointing at the architecture', async () => {
    const dir = tempDir();
    const clip = randomStateDict('clip-rn50', 4, 'visual.').slice(0, 20);
    await expect(convertWeights(writeWeights(dir, clip), 'resnet50', join(dir, 'x.onnx'))).rejects.toThrow(/do not fit resnet50 \(torchvision's resnet50.*missing \d+: /);
  });
});
