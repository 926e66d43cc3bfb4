// Provenance (issue 16 item 1): after a run, the model file and an image change on disk. Every command
// that would read them (a new run, rank-sum, resume, a per-image reanalysis, consistency, the unit
// inspector, reliability, ablation) refuses, naming the file and the way out, and stores nothing; a
// reanalysis from stored statistics reads no file and still works. The ways out (`model refresh`,
// `stimuli check --update`) record the new bytes, a new run then uses and records them, and the old run
// keeps refusing per-image analyses until its own bytes are back.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineCallError } from '../../../src-main/contract/client.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { sha256File } from '../../../src-main/engine/models/hash.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { generate } from '../../../src-main/engine/onnx/generators/index.ts';
import { TINY_INPUT_SIZE } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { checkInputFiles } from '../../../src-main/engine/runs/input-files.ts';
import { runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { listAnalyses } from '../../../src-main/engine/storage/analyses-store.ts';
import { readAggregate } from '../../../src-main/engine/storage/layer-results-store.ts';
import { listRuns, readRunManifest } from '../../../src-main/engine/storage/runs-store.ts';
import { runCli } from '../../support/run-cli.ts';
import { makeTinyProject } from './tiny-project.ts';

let dir: string;
let path: string;
let engine: Engine;
let client: ReturnType<typeof connectInProcess>;
let modelFile: string;
let imageFile: string;
let originalModel: Buffer;
let originalImage: Buffer;
let cancelled = 0;

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const project = () => engine.project(path);

async function otherImage(): Promise<Buffer> {
  const size = TINY_INPUT_SIZE;
  const pixels = Buffer.alloc(size * size * 3, 0);
  for (let p = 0; p < pixels.length; p++) pixels[p] = (p * 37) % 256;
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}
const otherModel = () => Buffer.from(encodeModel(generate('tiny', 99)));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-provenance-'));
  path = join(dir, 'p.unitscope');
  await makeTinyProject(path, 6, 31);
  modelFile = join(dir, 'p.files', 'tiny.onnx');
  imageFile = join(dir, 'p.files', 'images', 'faces-0.png');
  originalModel = readFileSync(modelFile);
  originalImage = readFileSync(imageFile);
  engine = new Engine();
  client = connectInProcess(engine);
  expect(await client.call('run.start', { path, model: 'tiny', batch: 2 })).toEqual({ run: 1, status: 'finished' });
  // Run 2 stops after a checkpoint, to be resumed later.
  const controller = new AbortController();
  await expect(
    runAnalysis(project(), { model: 'tiny', batch: 2, checkpointEvery: 2 }, {
      signal: controller.signal,
      onCreated: (id) => (cancelled = id),
      progress: (p) => {
        if (p.phase === 'extraction' && p.done >= 4) controller.abort();
      },
    }),
  ).rejects.toThrow(/cancelled/);
}, 120_000);

afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything the refused commands could have written. */
function stored() {
  const p = project();
  return {
    runs: listRuns(p.db).map((r) => [r.id, r.status]),
    analyses: listAnalyses(p.db).length,
    consistency: readAggregate(p.db, 1, 'consistency', -1, '') ?? null,
  };
}

/** Every call that reads the model file and the images, as the app and the CLI make them. */
const READERS: { name: string; call: () => Promise<unknown>; recordedBy: 'project' | 'run' }[] = [
  { name: 'run', recordedBy: 'project', call: () => client.call('run.start', { path, model: 'tiny' }) },
  { name: 'run (rank-sum)', recordedBy: 'project', call: () => client.call('run.start', { path, model: 'tiny', recipe: { recipe: 'ranksum-maxp' } }) },
  { name: 'run --resume', recordedBy: 'run', call: () => client.call('run.resume', { path, run: cancelled }) },
  { name: 'reanalyze (rank-sum)', recordedBy: 'run', call: () => client.call('run.reanalyze', { path, run: 1, recipe: { recipe: 'ranksum-maxp' } }) },
  { name: 'consistency', recordedBy: 'run', call: () => client.call('results.consistency', { path, run: 1 }) },
  { name: 'unit inspector', recordedBy: 'run', call: () => client.call('results.unit', { path, run: 1, layer: 'layer1.0', unit: 0 }) },
  { name: 'reliability', recordedBy: 'run', call: () => client.call('analysis.reliability', { path, run: 1, splits: 2 }) },
  { name: 'ablation', recordedBy: 'run', call: () => client.call('analysis.ablate', { path, run: 1, layer: 'stem', category: 'faces', controls: 1, output: 'classifier' }) },
];

async function expectEveryReaderRefuses(file: string, wayOut: RegExp): Promise<void> {
  const before = stored();
  for (const reader of READERS) {
    const error = (await reader.call().then(
      () => null,
      (e: unknown) => e,
    )) as EngineCallError | null;
    expect(error, reader.name).not.toBeNull();
    expect(error!.kind, `${reader.name}: ${error!.message}`).toBe('conflict');
    expect(error!.data.file, reader.name).toBe(file);
    expect(error!.message, reader.name).toContain(file);
    expect(error!.message, reader.name).toMatch(wayOut);
    if (reader.recordedBy === 'run') expect(error!.message, reader.name).toMatch(/run #\d+.*start a new run/);
    // Nothing was stored: no new or failed run, no analysis, no consistency computed from other bytes.
    expect(stored(), reader.name).toEqual(before);
  }
}

describe('provenance of what a run reads', () => {
  it('refuses every reader of a changed image, naming it and stimuli check --update; stores nothing', async () => {
    writeFileSync(imageFile, await otherImage());
    try {
      await expectEveryReaderRefuses(imageFile, /stimuli check .*p\.unitscope --update/);
      // A reanalysis from the stored statistics reads no file: it still works.
      const again = await client.call('run.reanalyze', { path, run: 1, recipe: { alpha: 0.01 } });
      expect(listRuns(project().db).find((r) => r.id === again.run)?.status).toBe('finished');
    } finally {
      writeFileSync(imageFile, originalImage);
    }
  }, 120_000);

  it('refuses every reader of a changed model file, naming it and model refresh; stores nothing', async () => {
    writeFileSync(modelFile, otherModel());
    try {
      await expectEveryReaderRefuses(modelFile, /model refresh .*p\.unitscope tiny/);
    } finally {
      writeFileSync(modelFile, originalModel);
    }
  }, 120_000);

  it('model refresh and stimuli check --update record the new bytes; new runs use them, old runs never mix', async () => {
    const newModel = otherModel();
    const newImage = await otherImage();
    writeFileSync(modelFile, newModel);
    writeFileSync(imageFile, newImage);
    const runs = listRuns(project().db).length;

    // The CLI exits 1 naming the file and the way out, one file at a time (the model is checked first).
    let cli = runCli(['run', path, '--model', 'tiny']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(modelFile);
    expect(cli.stderr).toContain(`unitscope model refresh ${path} tiny`);
    cli = runCli(['model', 'refresh', path, 'tiny', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const refreshed = JSON.parse(cli.stdout) as { updated: boolean; previousSha256: string; model: { sha256: string; changed: boolean } };
    expect(refreshed).toMatchObject({ updated: true, previousSha256: sha(originalModel), model: { sha256: sha(newModel), changed: false } });

    cli = runCli(['run', path, '--model', 'tiny']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(imageFile);
    expect(cli.stderr).toContain(`unitscope stimuli check ${path} --update`);
    cli = runCli(['stimuli', 'check', path, '--update', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ changed: 0, updated: 1 });
    expect(listRuns(project().db)).toHaveLength(runs); // nothing was run while refused

    // A new run reads and records the new bytes; run 1 keeps the ones it read.
    cli = runCli(['run', path, '--model', 'tiny', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const fresh = (JSON.parse(cli.stdout) as { run: number }).run;
    const manifest = readRunManifest(project().db, fresh)!;
    expect(manifest.model.sha256).toBe(sha(newModel));
    expect(manifest.stimuli.images.find((i) => i.path === imageFile)?.sha256).toBe(sha(newImage));
    const old = readRunManifest(project().db, 1)!;
    expect(old.model.sha256).toBe(sha(originalModel));
    expect(old.stimuli.images.find((i) => i.path === imageFile)?.sha256).toBe(sha(originalImage));
    const inspection = await client.call('results.unit', { path, run: fresh, layer: 'layer1.0', unit: 0 });
    expect(inspection.responses).toHaveLength(18);

    // Run 1's per-image analyses refuse the new bytes (never mixed with its statistics) ...
    await expect(client.call('results.unit', { path, run: 1, layer: 'layer1.0', unit: 0 })).rejects.toMatchObject({ kind: 'conflict', data: { file: modelFile } });
    cli = runCli(['consistency', path, '--run', '1']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/is not the file run #1 read/);
    // ... and work again once its own bytes are back: the check is of the bytes, not of the records.
    writeFileSync(modelFile, originalModel);
    writeFileSync(imageFile, originalImage);
    const back = await client.call('results.unit', { path, run: 1, layer: 'layer1.0', unit: 0 });
    expect(back.responses).toHaveLength(18);
    await expect(client.call('results.unit', { path, run: fresh, layer: 'layer1.0', unit: 0 })).rejects.toMatchObject({ kind: 'conflict' });
  }, 240_000);
});

describe('input file checks', () => {
  it('catch a file rewritten after it was hashed, even with the same size and mtime', async () => {
    const file = join(dir, 'same-size.bin');
    writeFileSync(file, Buffer.alloc(4096, 1));
    const recorded = { path: file, sha256: sha(Buffer.alloc(4096, 1)) };
    const provenance = { project: path, model: 'tiny', recordedBy: 3, reader: 'the test' } as const;
    const checked = await checkInputFiles({ images: [recorded] }, provenance);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, Buffer.alloc(4096, 2));
    utimesSync(file, atime, mtime);
    expect(() => checked.assertUnchanged()).toThrow(/changed while the test read it/);
    // The hash cache is not fooled either: same size and mtime, other bytes.
    expect(await sha256File(file)).toBe(sha(Buffer.alloc(4096, 2)));
    await expect(checkInputFiles({ images: [recorded] }, provenance)).rejects.toThrow(/is not the file run #3 read/);
    rmSync(file);
    await expect(checkInputFiles({ images: [recorded] }, provenance)).rejects.toMatchObject({ kind: 'not_found', file });
  });
});
