// Importing a folder that mixes good images in every supported format with a corpus of bad files: each bad
// file gets its reason, the good ones are imported with thumbnails, and the SQLite file stays sound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { Project } from '../../../src-main/engine/project.ts';
import { importStimuli } from '../../../src-main/engine/stimuli/import.ts';
import { checkStimuli } from '../../../src-main/engine/stimuli/validate.ts';
import { listImages, listStimuliForRun } from '../../../src-main/engine/storage/stimuli-store.ts';
import type { StimulusImportResult } from '../../../src-main/contract/types.ts';
import { makeBadCorpus, writeJpeg, writePng, type BadCorpus } from './corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-import-'));
let corpus: BadCorpus;
let project: Project;
let result: StimulusImportResult;

beforeAll(async () => {
  corpus = await makeBadCorpus(join(dir, 'set'));
  project = Project.create(join(dir, 'p.unitscope'));
  result = await importStimuli(project, corpus.root);
});

afterAll(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});

function problemFor(rel: string) {
  return result.problems.find((p) => p.file === join(corpus.root, rel));
}

describe('import of a folder with bad files', () => {
  it('gives each bad file the right reason', () => {
    for (const [rel, reason] of Object.entries(corpus.expectedProblems)) {
      const problem = problemFor(rel);
      expect(problem, `problem for ${rel}`).toBeDefined();
      expect(problem!.reason).toMatch(reason);
      expect(problem!.severity).toBe('error');
    }
  });

  it('imports every good file, and only those', () => {
    const { images } = listImages(project.db, dir);
    const imported = images.map((i) => relative(corpus.root, i.absolutePath)).sort();
    expect(imported).toEqual([...corpus.good].sort());
    expect(result.imported).toBe(corpus.good.length);
    expect(result.added).toBe(corpus.good.length);
    expect(result.layout).toBe('folders');
  });

  it('records header facts, sha256, categories and subcategories', () => {
    const { images } = listImages(project.db, dir);
    const byName = new Map(images.map((i) => [relative(corpus.root, i.absolutePath), i]));
    expect(byName.get('faces/cmyk.jpg')).toMatchObject({ format: 'jpeg', channels: 4, width: 90, height: 90, category: 'faces' });
    expect(byName.get('faces/gray-alpha.png')).toMatchObject({ format: 'png', channels: 2, category: 'faces' });
    expect(byName.get('scenes/sixteen-bit.png')).toMatchObject({ format: 'png', channels: 3, width: 80, height: 70 });
    expect(byName.get('scenes/indoor/room 1.jpg')).toMatchObject({ category: 'scenes', subcategory: 'indoor' });
    const unicode = byName.get('faces/visage été 顔.jpg')!;
    expect(unicode.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(unicode.sha256).toBe(createHash('sha256').update(readFileSync(unicode.absolutePath)).digest('hex'));
    // inside the project's folder, so stored relative
    expect(unicode.path).toBe('set/faces/visage été 顔.jpg');
  });

  it('stores a decodable thumbnail of at most 128 px for every image', async () => {
    const rows = project.db.prepare('SELECT t.width, t.height, t.mime, t.data FROM thumbnails t').all() as { width: number; height: number; mime: string; data: Buffer }[];
    expect(rows).toHaveLength(corpus.good.length);
    for (const row of rows) {
      expect(Math.max(row.width, row.height)).toBeLessThanOrEqual(128);
      const meta = await sharp(row.data).metadata();
      expect(meta.format).toBe('webp');
      expect([meta.width, meta.height]).toEqual([row.width, row.height]);
    }
  });

  it('leaves a sound SQLite file', () => {
    project.close();
    const db = new Database(project.path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    project = Project.open(project.path);
  });

  it('hands runs absolute paths and category indices in category order', () => {
    const { categories, images } = listStimuliForRun(project.db, dir);
    expect(categories.map((c) => c.name)).toEqual(['faces', 'scenes']);
    expect(images).toHaveLength(corpus.good.length);
    for (const image of images) expect(image.path.startsWith(join(corpus.root, categories[image.category]!.name))).toBe(true);
  });
});

describe('re-import and rescan', () => {
  it('detects added, changed and missing files', async () => {
    await writeJpeg(join(corpus.root, 'faces/new face.jpg'), 77);
    await writePng(join(corpus.root, 'scenes/scène-0.png'), 999); // same name, new content
    rmSync(join(corpus.root, 'faces/face 3.jpg'));
    const again = await importStimuli(project, corpus.root);
    expect(again).toMatchObject({ added: 1, changed: 1, missing: 1, unchanged: corpus.good.length - 2 });
    expect(again.problems.find((p) => p.file === join(corpus.root, 'faces/face 3.jpg'))!.reason).toMatch(/missing/);
  });

  it('check reports missing, changed and duplicate files', async () => {
    writeFileSync(join(corpus.root, 'scenes/scène-1.png'), readFileSync(join(corpus.root, 'scenes/scène-2.png')));
    const report = await checkStimuli(project);
    expect(report.changed).toBe(1);
    expect(report.missing).toBe(1);
    const reasons = report.problems.map((p) => `${relative(corpus.root, p.file)}: ${p.reason}`);
    expect(reasons.some((r) => r.startsWith('scenes/scène-1.png: changed'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('faces/face 3.jpg: missing'))).toBe(true);
  });

  it('reports duplicates within and across categories without importing them', async () => {
    const src = join(dir, 'dups');
    await writeJpeg(join(src, 'a/x.jpg'), 300);
    mkdirSync(join(src, 'b'), { recursive: true });
    writeFileSync(join(src, 'a/y.jpg'), readFileSync(join(src, 'a/x.jpg')));
    writeFileSync(join(src, 'b/z.jpg'), readFileSync(join(src, 'a/x.jpg')));
    const p = Project.create(join(dir, 'dups.unitscope'));
    const r = await importStimuli(p, src);
    expect(r.added).toBe(1);
    expect(r.problems.find((q) => q.file === join(src, 'a/y.jpg'))!.reason).toMatch(/duplicate of .*x\.jpg/);
    expect(r.problems.find((q) => q.file === join(src, 'b/z.jpg'))!.reason).toMatch(/duplicate of .*x\.jpg/);
    expect(r.problems.find((q) => q.category === 'a')!.reason).toMatch(/only 1 images/);
    p.close();
  });
});
