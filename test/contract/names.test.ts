// Names are never paths: every contract argument that is a name (category, model, project display name)
// uses the one Name type, so `../x`, `/abs`, `CON` and friends are refused before a handler runs, in
// the CLI, serve mode and the desktop app alike, and nothing is written anywhere.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { api, nameProblem, nameSchema, type ApiMethod } from '../../src-main/contract/index.ts';
import { EngineCallError } from '../../src-main/contract/client.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { Project } from '../../src-main/engine/project.ts';
import { importStimuli } from '../../src-main/engine/stimuli/import.ts';
import { listCategories } from '../../src-main/engine/storage/stimuli-store.ts';
import { runCli } from '../support/run-cli.ts';
import { writePng } from '../engine/stimuli/corpus.ts';
import { schemaLeaves } from './schema-leaves.ts';

/** The acceptance list, plus look-alikes that only the normalised forms reveal. */
const BAD_NAMES = ['../x', '/abs', 'a/b', '..', 'CON', '', 'x'.repeat(300), 'a\u0000b', 'a\\b', ' .. ', '．．', 'a／b', 'nul.txt', 'COM1', 'a\u202eb', 'a\nb', 'c:x', 'end.'];

const dir = mkdtempSync(join(tmpdir(), 'unitscope-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = join(dir, 'p.unitscope');

/** Where each name sits in a method's arguments (from the schemas themselves). */
function nameSlots(method: ApiMethod): string[] {
  return schemaLeaves(api[method].args).filter((leaf) => leaf.schema === nameSchema).map((leaf) => leaf.at);
}

/** Arguments that are valid except for the name put at `slot`. */
const BASE: Partial<Record<ApiMethod, Record<string, unknown>>> = {
  'project.create': { path: join(dir, 'new.unitscope') },
  'project.rename': { path: project },
  'project.duplicate': { path: project, to: join(dir, 'copy.unitscope') },
  'stimuli.import': { path: project, source: join(dir, 'src') },
  'stimuli.list': { path: project },
  'stimuli.scramble': { path: project, from: 'faces', as: 'scrambled_faces', method: 'block' },
  'run.start': { path: project },
  'results.units': { path: project, run: 1, layer: 'l' },
  'results.csi': { path: project, run: 1 },
  'results.channels': { path: project, run: 1, layer: 'l' },
  'results.spatial': { path: project, run: 1, layer: 'l' },
  'results.consistency': { path: project, run: 1 },
  'model.add': { path: project, file: join(dir, 'm.onnx') },
  'model.layers': { path: project },
  'model.refresh': { path: project },
  'model.download': { path: project, id: 'resnet50', url: 'http://127.0.0.1:9/m.onnx' },
  'model.importWeights': { path: project, file: join(dir, 'w.safetensors'), arch: 'resnet50' },
  'analysis.ablate': { path: project, run: 1, layer: 'l' },
  'shard.bundle': { path: project, out: join(dir, 'bundle') },
  'study.start': { path: project, models: ['first', 'second'] },
  'shard.run': { source: project, shard: { index: 1, count: 1 }, out: join(dir, 's.partial') },
};

function withName(method: ApiMethod, slot: string, name: string): Record<string, unknown> {
  const args = { ...BASE[method] };
  const [field, rest] = slot.split(/(?=[.[])/, 2) as [string, string | undefined];
  if (rest === undefined) args[field] = name;
  // A list keeps the base's other entries (a study needs two models): the name replaces the first.
  else if (rest === '[]') args[field] = [...(Array.isArray(args[field]) ? (args[field] as unknown[]).slice(1) : []), name];
  else if (rest === '.<key>') args[field] = { [name]: null };
  else if (rest === '.*') args[field] = { source: name };
  else throw new Error(`no rule for slot ${slot}`);
  return args;
}

function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).map((p) => relative(root, join(root, p))).sort();
}

const nameMethods = (Object.keys(api) as ApiMethod[]).filter((m) => nameSlots(m).length > 0);

describe('the Name rule', () => {
  it('refuses the acceptance list and accepts ordinary names (trimmed, NFC)', () => {
    for (const bad of BAD_NAMES) expect(nameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    for (const good of ['faces', 'scrambled_faces', 'faces (adult)', 'résumé', 'layer4.2', 'CONTROL', 'console']) expect(nameProblem(good), good).toBeNull();
    expect(nameSchema.parse('  faces ')).toBe('faces');
    expect(nameSchema.parse('e\u0301')).toBe('\u00e9');
  });

  it('is the type of every field named like a name, across the contract', () => {
    // Source labels (the keys of an import map: folder names as they are on disk) are the one exception.
    const NAME_KEYS = new Set(['name', 'category', 'as', 'from', 'model', 'targets', 'controls', 'map']);
    for (const method of Object.keys(api) as ApiMethod[]) {
      for (const leaf of schemaLeaves(api[method].args)) {
        const text = (leaf.schema as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'string';
        if (text && NAME_KEYS.has(leaf.key) && !leaf.at.endsWith('map.<key>')) expect(leaf.schema === nameSchema, `${method} ${leaf.at}`).toBe(true);
      }
    }
  });

  it('is used by every method that takes a category, model or project name', () => {
    // A new name-taking method needs base arguments here, so it gets the per-method test below.
    expect(nameMethods.sort()).toEqual(Object.keys(BASE).sort());
  });
});

describe('every name-taking method refuses bad names before running', () => {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const engine = new Engine({ mode: 'serve', roots: [dir] });
  const client = connectInProcess(engine);
  afterAll(() => {
    client.disconnect();
    engine.close();
  });

  for (const method of nameMethods) {
    it(method, async () => {
      const before = tree(dir);
      for (const slot of nameSlots(method)) {
        // The same arguments with a good name pass validation (they may fail later, for other reasons).
        const good = await client.call(method, withName(method, slot, 'faces') as never).then(() => null, (e: EngineCallError) => e);
        expect(good?.kind, `${method} ${slot} with a good name: ${good?.message}`).not.toBe('validation');
        for (const bad of BAD_NAMES) {
          const error = await client.call(method, withName(method, slot, bad) as never).then(() => null, (e: unknown) => e);
          expect(error, `${method} ${slot}=${JSON.stringify(bad.slice(0, 20))}`).toBeInstanceOf(EngineCallError);
          expect((error as EngineCallError).kind, `${method} ${slot}=${JSON.stringify(bad.slice(0, 20))}`).toBe('validation');
          expect((error as EngineCallError).message.length).toBeLessThan(1000);
        }
      }
      // Whatever the good-name calls created is allowed; a bad name adds nothing on top.
      expect(tree(dir).filter((p) => !before.includes(p)).every((p) => !BAD_NAMES.some((bad) => bad && p.includes(bad)))).toBe(true);
    });
  }
});

describe('names read from sources follow the same rule', () => {
  it('a manifest category like ../../x is a problem line, and --copy writes nothing outside the project', async () => {
    const root = mkdtempSync(join(tmpdir(), 'unitscope-names-manifest-'));
    mkdirSync(join(root, 'set', 'img'), { recursive: true });
    await writePng(join(root, 'set', 'img', 'a.png'), 1);
    await writePng(join(root, 'set', 'img', 'b.png'), 2);
    writeFileSync(join(root, 'set', 'm.csv'), 'stim_file,category\nimg/a.png,../../escaped\nimg/b.png,faces\n');
    const p = Project.create(join(root, 'set', 'p.unitscope'));
    const before = tree(root);
    const result = await importStimuli(p, join(root, 'set', 'm.csv'), { copy: true });
    expect(result.imported).toBe(1);
    expect(result.problems.find((x) => x.file.endsWith('a.png'))?.reason).toMatch(/category "..\/..\/escaped" is not a valid name/);
    expect(listCategories(p.db).map((c) => c.name)).toEqual(['faces']);
    const added = tree(root).filter((x) => !before.includes(x));
    expect(added.every((x) => x.startsWith(join('set', 'p.')))).toBe(true);
    p.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a folder named like a device or with a colon is not a category', async () => {
    const root = mkdtempSync(join(tmpdir(), 'unitscope-names-folders-'));
    await writePng(join(root, 'src', 'CON', 'a.png'), 1);
    await writePng(join(root, 'src', 'a:b', 'b.png'), 2);
    await writePng(join(root, 'src', 'faces', 'c.png'), 3);
    await writePng(join(root, 'src', 'constructor', 'd.png'), 4);
    const p = Project.create(join(root, 'p.unitscope'));
    const result = await importStimuli(p, join(root, 'src'), { copy: true, map: { faces: 'faces' } });
    expect(listCategories(p.db).map((c) => c.name).sort()).toEqual(['constructor', 'faces']);
    expect(result.problems.filter((x) => /is not a valid name/.test(x.reason))).toHaveLength(2);
    p.close();
    rmSync(root, { recursive: true, force: true });
  });
});

describe('the CLI applies the rule through the contract', () => {
  it('stimuli scramble --as ../x and model add --name CON are usage errors that name the problem', () => {
    const scramble = runCli(['stimuli', 'scramble', project, '--from', 'faces', '--as', '../x', '--method', 'block']);
    expect(scramble.code).toBe(2);
    expect(scramble.stderr).toMatch(/as: a name cannot contain \//);
    const add = runCli(['model', 'add', project, join(dir, 'm.onnx'), '--name', 'CON']);
    expect(add.code).toBe(2);
    expect(add.stderr).toMatch(/name: 'CON' is a device name Windows reserves/);
  });
});
