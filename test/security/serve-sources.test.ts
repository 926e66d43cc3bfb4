// Serve mode: beyond the path arguments themselves, nothing a call leads to may lie outside the shared
// folders: symlinks inside an import folder, manifest rows, the files a project or bundle refers to, the
// recent-projects list and directory listings. Nothing from outside is read back (a canary file's text
// never appears in an answer) and refusals read the same whether or not the outside file exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineCallError } from '../../src-main/contract/client.ts';
import { refusal as refused } from '../support/refusal.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { Project } from '../../src-main/engine/project.ts';
import { ensureCategory, insertImage } from '../../src-main/engine/storage/stimuli-store.ts';
import { recordRecentProject } from '../../src-main/engine/recent-projects.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { writePng } from '../engine/stimuli/corpus.ts';

const base = mkdtempSync(join(tmpdir(), 'unitscope-serve-sources-'));
const shared = join(base, 'shared');
const second = join(base, 'second');
const outside = join(base, 'outside');
const CANARY = 'CANARY-7f3a9c-outside-the-roots';
let engine: Engine;
let client: ReturnType<typeof connectInProcess>;
const project = join(shared, 'p.unitscope');

/** The call fails, and its error holds nothing of the canary. */
async function refusal(promise: Promise<unknown>): Promise<EngineCallError> {
  const error = await refused(promise);
  expect(JSON.stringify(error.data)).not.toContain(CANARY);
  return error;
}

beforeAll(async () => {
  for (const d of [shared, second, outside]) mkdirSync(d);
  writeFileSync(join(outside, 'canary.txt'), CANARY);
  await writePng(join(outside, 'faces', 'o.png'), 9);
  await writePng(join(shared, 'src', 'faces', 'a.png'), 1);
  await writePng(join(second, 'b.png'), 2);
  symlinkSync(join(outside, 'faces'), join(shared, 'src', 'linked'));
  symlinkSync(join(outside, 'canary.txt'), join(shared, 'src', 'faces', 'canary.png'));
  engine = new Engine({ mode: 'serve', roots: [shared, second] });
  client = connectInProcess(engine);
  await client.call('project.create', { path: project });
});
afterAll(() => {
  client.disconnect();
  engine.close();
  rmSync(base, { recursive: true, force: true });
});

describe('imports', () => {
  it('a folder import does not follow symlinks out of the shared folders', async () => {
    const result = await client.call('stimuli.import', { path: project, source: join(shared, 'src') });
    expect(result.imported).toBe(1);
    const leading = result.problems.filter((p) => /leads outside the folders shared/.test(p.reason)).map((p) => p.file);
    expect(leading.sort()).toEqual([join(shared, 'src', 'faces', 'canary.png'), join(shared, 'src', 'linked')]);
    expect(JSON.stringify(result)).not.toContain(CANARY);
  });

  it('manifest rows may name files in any shared folder, and none outside', async () => {
    const rows = ['stim_file,category', `${join(second, 'b.png')},scenes`, `${join(outside, 'faces', 'o.png')},scenes`, `${join(outside, 'nothing.png')},scenes`, '../../outside/canary.txt,scenes'];
    writeFileSync(join(shared, 'm.csv'), rows.join('\n'));
    const result = await client.call('stimuli.import', { path: project, source: join(shared, 'm.csv') });
    expect(result.imported).toBe(1);
    const refused = result.problems.filter((p) => p.file.includes('m.csv:')).map((p) => p.reason.replace(/"[^"]*"/, 'X'));
    expect(refused).toEqual(Array(3).fill("X is outside the manifest's folder and the folders shared with `unitscope serve`"));
  });
});

describe('what a project or bundle refers to', () => {
  it('a project whose images lie outside is not opened', async () => {
    const crafted = join(shared, 'crafted.unitscope');
    const p = Project.create(crafted);
    const id = ensureCategory(p.db, 'faces');
    insertImage(p.db, shared, { categoryId: id, subcategory: null, absolutePath: join(outside, 'canary.txt'), storage: 'referenced', sha256: '0'.repeat(64), bytes: 1, width: 1, height: 1, channels: 3, format: 'png' });
    p.close();
    for (const method of ['project.open', 'stimuli.check', 'stimuli.list'] as const) {
      const error = await refusal(client.call(method, { path: crafted }));
      expect(error.message).toMatch(/refers to .*outside the folders shared/);
    }
  });

  it("a project whose files folder is a symlink out is not opened", async () => {
    const linked = join(shared, 'linked.unitscope');
    Project.create(linked).close();
    symlinkSync(outside, join(shared, 'linked.files'));
    const error = await refusal(client.call('stimuli.scramble', { path: linked, from: 'faces', as: 'scrambled', method: 'block' }));
    expect(error.message).toMatch(/refers to .*linked\.files, outside/);
  });

  it('a referenced bundle whose images lie outside is not run', async () => {
    // Made unconfined (as on the cluster's login node), then served.
    const free = new Engine();
    const local = connectInProcess(free);
    const tiny = join(outside, 'tiny.unitscope');
    await makeTinyProject(tiny, 2, 1);
    await local.call('shard.bundle', { path: tiny, model: 'tiny', out: join(shared, 'bundle'), reference: true });
    local.disconnect();
    free.close();
    const error = await refusal(client.call('shard.run', { source: join(shared, 'bundle'), shard: { index: 1, count: 1 }, out: join(shared, 'b.partial') }));
    expect(error.message).toMatch(/refers to .*outside the folders shared/);
  });
});

describe('lists', () => {
  it('project.recent shows only projects under the shared folders', async () => {
    recordRecentProject(join(outside, 'secret.unitscope'), 'secret');
    const recent = await client.call('project.recent', {});
    expect(recent.some((r) => r.path === project)).toBe(true);
    expect(recent.some((r) => r.path.startsWith(outside))).toBe(false);
  });

  it('fs.list leaves out entries that lead outside and refuses / and ..', async () => {
    const listing = await client.call('fs.list', { path: join(shared, 'src') });
    expect(listing.entries.map((e) => e.name)).toEqual(['faces']);
    for (const path of ['/', join(shared, '..'), join(shared, 'src', 'linked'), `${shared}/../outside`]) {
      expect((await refusal(client.call('fs.list', { path }))).message).toContain('outside the folders shared');
    }
  });
});
