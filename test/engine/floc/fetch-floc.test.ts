// fLoc from a local server serving a small archive in its layout (with its own manifest): every image
// verified and imported with the fLoc map, the paper's controls made, a re-run reuses what is in place
// without downloading; a corrupted and a missing file are named and nothing else is lost; a link in
// the archive is never followed; cancel then resume.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_POLICY } from '../../../src-main/engine/downloads/url-policy.ts';
import { fetchFloc, flocFolder } from '../../../src-main/engine/floc/fetch-floc.ts';
import { parseFlocManifest } from '../../../src-main/engine/floc/manifest.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { listCategories } from '../../../src-main/engine/storage/stimuli-store.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { makeFlocArchive, PER_SUBCATEGORY, SUBCATEGORIES, zipFlocTree, type FlocArchive } from './floc-archive.ts';
import { scratchDirs } from '../../support/scratch.ts';

const tempDir = scratchDirs();

let server: FileServer;
let good: FlocArchive;
let broken: FlocArchive;
let linked: FlocArchive;
const TOTAL = SUBCATEGORIES.length * PER_SUBCATEGORY;

beforeAll(async () => {
  good = await makeFlocArchive(tempDir());
  broken = await makeFlocArchive(tempDir(), { corrupt: 'stimuli/house/house-2.jpg', omit: 'stimuli/word/word-3.jpg' });
  linked = await makeFlocArchive(tempDir(), { symlink: 'stimuli/adult/adult-1.jpg' });
  server = await startFileServer({ '/good.tar.gz': readFileSync(good.archive), '/broken.tar.gz': readFileSync(broken.archive), '/linked.tar.gz': readFileSync(linked.archive) });
});
afterAll(() => server.close());

function newProject(): Project {
  return Project.create(join(tempDir(), 'floc.unitscope'));
}

describe('stimuli fetch-floc', () => {
  it('imports 100 % of a verified archive with the fLoc map and the paper\'s controls; a re-run downloads nothing', async () => {
    const project = newProject();
    server.requests.length = 0;
    const phases = new Set<string>();
    const result = await fetchFloc(project, { url: `${server.base}/good.tar.gz`, manifest: good.manifest, policy: OPEN_POLICY, controls: true, progress: (p) => phases.add(p.phase) });
    expect(result).toMatchObject({ expected: TOTAL, verified: TOTAL, failed: [], reused: false });
    expect(result.import.added).toBe(TOTAL);
    expect([...phases]).toEqual(expect.arrayContaining(['check', 'download', 'extract', 'import', 'scramble']));
    const counts = Object.fromEntries(listCategories(project.db).map((c) => [c.name, c.images]));
    expect(counts).toMatchObject({ faces: 6, bodies: 3, scenes: 6, words: 6, scrambled_scenes: 6, scrambled_words: 6 });
    expect(result.controls.map((c) => [c.category, c.method])).toEqual([['scrambled_scenes', 'phase'], ['scrambled_words', 'block']]);
    // Only stimuli/ came out of the archive, inside the project's folder; the archive itself is gone.
    expect(readdirSync(flocFolder(project))).toEqual(['stimuli']);
    expect(existsSync(join(project.filesDir, 'downloads', `fLoc-${result.commit}.tar.gz`))).toBe(false);

    server.requests.length = 0;
    const again = await fetchFloc(project, { url: `${server.base}/good.tar.gz`, manifest: good.manifest, policy: OPEN_POLICY, controls: true });
    expect(again).toMatchObject({ verified: TOTAL, reused: true, failed: [], controls: [] });
    expect(again.import.unchanged).toBe(TOTAL);
    expect(server.requests).toEqual([]);
    project.close();
  }, 60_000);

  it('names a corrupted and a missing file and imports all the others', async () => {
    const project = newProject();
    const result = await fetchFloc(project, { url: `${server.base}/broken.tar.gz`, manifest: broken.manifest, policy: OPEN_POLICY });
    expect(result.verified).toBe(TOTAL - 2);
    expect(result.failed).toEqual([
      { path: 'stimuli/house/house-2.jpg', reason: expect.stringMatching(/^sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}$/) },
      { path: 'stimuli/word/word-3.jpg', reason: 'is missing from the archive' },
    ]);
    expect(result.import.added).toBe(TOTAL - 2);
    expect(existsSync(join(result.folder, 'house', 'house-2.jpg'))).toBe(false);
    expect(existsSync(join(result.folder, 'house', 'house-2.jpg.part'))).toBe(false);
    project.close();
  }, 60_000);

  it('never follows a link in the archive: the entry is named and nothing is written for it', async () => {
    const project = newProject();
    const result = await fetchFloc(project, { url: `${server.base}/linked.tar.gz`, manifest: linked.manifest, policy: OPEN_POLICY });
    expect(result.failed).toEqual([{ path: 'stimuli/adult/adult-1.jpg', reason: 'is a SymbolicLink in the archive, not a regular file' }]);
    expect(existsSync(join(result.folder, 'adult', 'adult-1.jpg'))).toBe(false);
    project.close();
  }, 60_000);

  it('takes a local copy of the archive, and resumes after a cancel', async () => {
    const project = newProject();
    const controller = new AbortController();
    await expect(
      fetchFloc(project, { url: good.archive, manifest: good.manifest, policy: OPEN_POLICY, signal: controller.signal, progress: (p) => p.phase === 'extract' && p.done >= 5 && controller.abort() }),
    ).rejects.toThrow(/cancelled/);
    expect(listCategories(project.db)).toEqual([]);
    const result = await fetchFloc(project, { url: good.archive, manifest: good.manifest, policy: OPEN_POLICY });
    expect(result).toMatchObject({ verified: TOTAL, failed: [] });
    expect(result.import.added).toBe(TOTAL);
    expect(existsSync(good.archive)).toBe(true); // the user's own copy is left alone
    project.close();
  }, 60_000);

  it('reads the zip GitHub offers too: every image imported, a link entry refused by name', async () => {
    const project = newProject();
    const zip = zipFlocTree(good.tree, join(tempDir(), 'fLoc-main.zip'), 'stimuli/extra/link.jpg');
    const withLink = join(tempDir(), 'manifest.tsv');
    const linkRow = `stimuli/extra/link.jpg\t13\t${'0'.repeat(64)}\t-`;
    writeFileSync(withLink, `${readFileSync(good.manifest, 'utf8')}${linkRow}\n`);
    const result = await fetchFloc(project, { url: zip, manifest: withLink, policy: OPEN_POLICY });
    expect(result.verified).toBe(TOTAL);
    expect(result.failed).toEqual([{ path: 'stimuli/extra/link.jpg', reason: 'is a SymbolicLink in the archive, not a regular file' }]);
    expect(result.import.added).toBe(TOTAL);
    project.close();
  }, 60_000);

  it('refuses a download that is not a tar archive and keeps nothing of it for the next run', async () => {
    const project = newProject();
    server.files.set('/garbage.tar.gz', Buffer.from('<html>rate limited</html>'));
    await expect(fetchFloc(project, { url: `${server.base}/garbage.tar.gz`, manifest: good.manifest, policy: OPEN_POLICY })).rejects.toThrow(/fLoc-de6a26cc[0-9a-f]+\.tar\.gz: not a readable tar, tar\.gz or zip archive/);
    expect(readdirSync(join(project.filesDir, 'downloads'))).toEqual([]);
    expect(listCategories(project.db)).toEqual([]);
    project.close();
  });

  it('refuses a manifest path that could leave the folder', () => {
    expect(() => parseFlocManifest('path\tbytes\tsha256\nstimuli/../../x.jpg\t1\t' + 'a'.repeat(64), 'm.tsv')).toThrow(/line 2: 'stimuli\/..\/..\/x.jpg' is not a unique stimuli\/<folder>\/<file> path/);
  });

  it('the shipped manifest lists fLoc at de6a26c: 1,584 images in 11 folders', async () => {
    const { loadFlocManifest } = await import('../../../src-main/engine/floc/manifest.ts');
    const manifest = loadFlocManifest();
    expect(manifest).toHaveLength(1584);
    expect(new Set(manifest.map((f) => f.path.split('/')[1])).size).toBe(11);
  });
});
