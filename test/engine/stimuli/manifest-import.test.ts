// Importing from a CSV or TSV manifest: paths relative to the manifest, categories (with the --map
// renaming), subcategories, roles and the target a control stands for; bad rows are reported by line.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from '../../../src-main/engine/project.ts';
import { importStimuli } from '../../../src-main/engine/stimuli/import.ts';
import { listCategories, listImages } from '../../../src-main/engine/storage/stimuli-store.ts';
import { writePng } from './corpus.ts';

async function makeSet(root: string): Promise<string[]> {
  mkdirSync(join(root, 'img'), { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < 12; i++) {
    const name = `img/s${i}.png`;
    await writePng(join(root, name), i);
    files.push(name);
  }
  return files;
}

describe('manifest import', () => {
  it('reads a CSV manifest with roles, controls_for, subcategories and a category map', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitscope-manifest-'));
    const files = await makeSet(dir);
    const rows = files.map((f, i) => {
      if (i < 4) return `${f},adult,face-ish,target,`;
      if (i < 8) return `${f},house,,target,`;
      return `${f},scrambled_house,,control,scenes`;
    });
    writeFileSync(join(dir, 'set.csv'), ['stim_file,category,subcategory,role,controls_for', ...rows, ',faces,,,', 'img/s0.png,faces,,boss,'].join('\n'));
    const project = Project.create(join(dir, 'p.unitscope'));
    const result = await importStimuli(project, join(dir, 'set.csv'), { map: { adult: 'faces', house: 'scenes' } });
    expect(result.imported).toBe(12);
    const categories = listCategories(project.db);
    expect(categories).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'faces', role: 'target', images: 4 }),
        expect.objectContaining({ name: 'scenes', role: 'target', images: 4 }),
        expect.objectContaining({ name: 'scrambled_house', role: 'control', controlsFor: 'scenes', images: 4 }),
      ]),
    );
    const { images } = listImages(project.db, dir);
    expect(images.filter((i) => i.subcategory === 'face-ish')).toHaveLength(4);
    // The two bad rows are reported with the manifest's line numbers.
    const reasons = result.problems.map((p) => `${p.file}: ${p.reason}`);
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/set\.csv:14: row without stim_file/), expect.stringMatching(/set\.csv:15: role must be 'target' or 'control'/)]));
    project.close();
  });

  it('reads a TSV manifest with a path column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitscope-manifest-'));
    const files = await makeSet(dir);
    writeFileSync(join(dir, 'set.tsv'), ['path\tcategory', ...files.map((f, i) => `${f}\t${i % 2 ? 'bodies' : 'words'}`)].join('\n'));
    const project = Project.create(join(dir, 'p.unitscope'));
    const result = await importStimuli(project, join(dir, 'set.tsv'));
    expect(result.imported).toBe(12);
    expect(listCategories(project.db).map((c) => [c.name, c.images]).sort()).toEqual([['bodies', 6], ['words', 6]]);
    project.close();
  });

  it('refuses a manifest without the required columns, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitscope-manifest-'));
    writeFileSync(join(dir, 'bad.csv'), 'file,label\na.png,faces\n');
    const project = Project.create(join(dir, 'p.unitscope'));
    await expect(importStimuli(project, join(dir, 'bad.csv'))).rejects.toThrow(/bad\.csv: a manifest needs a 'stim_file'/);
    project.close();
  });
});

describe('scrambled-control folders', () => {
  it('are imported as controls for the category their name ends with, unless told otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitscope-scrambled-'));
    let index = 0;
    for (const folder of ['scenes', 'words', 'scrambled_scenes', 'scrambled-words', 'scrambled', 'scrambled_cars']) {
      mkdirSync(join(dir, 'set', folder), { recursive: true });
      for (let i = 0; i < 2; i++) await writePng(join(dir, 'set', folder, `${i}.png`), index++);
    }
    const project = Project.create(join(dir, 'p.unitscope'));
    await importStimuli(project, join(dir, 'set'), { controls: { 'scrambled-words': null }, targets: ['scrambled_cars'] });
    const byName = new Map(listCategories(project.db).map((c) => [c.name, c]));
    expect(byName.get('scenes')).toMatchObject({ role: 'target', controlsFor: null });
    expect(byName.get('scrambled_scenes')).toMatchObject({ role: 'control', controlsFor: 'scenes' });
    // An explicit --control wins over the guess.
    expect(byName.get('scrambled-words')).toMatchObject({ role: 'control', controlsFor: null });
    expect(byName.get('scrambled')).toMatchObject({ role: 'control', controlsFor: null });
    // No 'cars' category: the guess would make it a control for none; --target keeps it a target.
    expect(byName.get('scrambled_cars')).toMatchObject({ role: 'target', controlsFor: null });

    // A re-import keeps a role the user changed since.
    project.db.prepare("UPDATE categories SET role = 'target', controls_for = NULL WHERE name = 'scrambled_scenes'").run();
    await importStimuli(project, join(dir, 'set'));
    expect(listCategories(project.db).find((c) => c.name === 'scrambled_scenes')).toMatchObject({ role: 'target' });
    project.close();
  });
});
