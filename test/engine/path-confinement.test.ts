// Serve mode: a browser may only name paths under the folders shared on the command line. Every path
// argument of every call is checked (after resolving symlinks) before a handler runs.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { refusal } from '../support/refusal.ts';
import { Confinement, resolveLinks } from '../../src-main/engine/path-confinement.ts';

const base = mkdtempSync(join(tmpdir(), 'unitscope-confine-'));
const shared = join(base, 'shared');
const outside = join(base, 'outside');
mkdirSync(shared);
mkdirSync(outside);
symlinkSync(outside, join(shared, 'escape'));
// A dangling link: what it points at does not exist yet, so a realpath check would pass it by.
symlinkSync(join(outside, 'not-yet.unitscope'), join(shared, 'dangling.unitscope'));
mkdirSync(join(shared, 'sub'));
symlinkSync(join(outside, 'deep', 'deeper'), join(shared, 'sub', 'far'));
symlinkSync('loop-b', join(shared, 'loop-a'));
symlinkSync('loop-a', join(shared, 'loop-b'));
writeFileSync(join(outside, 'exists.txt'), 'x');


describe('serve-mode path confinement', () => {
  const engine = new Engine({ mode: 'serve', roots: [shared] });
  const client = connectInProcess(engine);

  it('allows a new project under a shared folder', async () => {
    const info = await client.call('project.create', { path: join(shared, 'inside.unitscope') });
    expect(info.name).toBe('inside');
  });

  it('refuses a project outside, and one reached through a symlink that leaves the shared folder', async () => {
    for (const path of [join(outside, 'p.unitscope'), join(shared, 'escape', 'p.unitscope'), join(shared, '..', 'outside', 'q.unitscope')]) {
      const error = await refusal(client.call('project.create', { path }));
      expect(error.kind).toBe('conflict');
      expect(error.message).toContain('outside the folders shared');
    }
  });

  it('checks every path argument, not just the project: an import source outside is refused', async () => {
    const error = await refusal(client.call('stimuli.import', { path: join(shared, 'inside.unitscope'), source: outside }));
    expect(error.message).toContain(outside);
  });

  it('lists shared folders and refuses to list others', async () => {
    const listing = await client.call('fs.list', { path: shared });
    expect(listing.entries.map((e) => e.name)).toContain('inside.unitscope');
    expect(listing.parent).toBeNull();
    await refusal(client.call('fs.list', { path: outside }));
  });

  it('does not confine the desktop app or the CLI', async () => {
    const local = connectInProcess(new Engine({ mode: 'cli' }));
    const info = await local.call('project.create', { path: join(outside, 'free.unitscope') });
    expect(info.name).toBe('free');
  });
});

describe('resolving paths like the OS does', () => {
  const confinement = new Confinement([shared]);

  it('follows a dangling symlink to where a write would land', () => {
    expect(resolveLinks(join(shared, 'dangling.unitscope'))).toBe(join(outside, 'not-yet.unitscope'));
    expect(confinement.allows(join(shared, 'dangling.unitscope'))).toBe(false);
    expect(confinement.allows(join(shared, 'sub', 'far', 'x', 'y'))).toBe(false);
  });

  it('refuses a project created through a dangling link, and nothing appears outside', async () => {
    const client = connectInProcess(new Engine({ mode: 'serve', roots: [shared] }));
    const error = await refusal(client.call('project.create', { path: join(shared, 'dangling.unitscope') }));
    expect(error.message).toContain('outside the folders shared');
    expect(existsSync(join(outside, 'not-yet.unitscope'))).toBe(false);
  });

  it('answers the same for a file outside that exists and one that does not', () => {
    const exists = (() => { try { confinement.resolve(join(shared, 'escape', 'exists.txt')); } catch (e) { return (e as Error).message; } })();
    const missing = (() => { try { confinement.resolve(join(shared, 'escape', 'missing.txt')); } catch (e) { return (e as Error).message; } })();
    expect(exists?.replace('exists', 'X')).toBe(missing?.replace('missing', 'X'));
  });

  it('refuses a symlink loop with a clear error instead of hanging', () => {
    expect(() => confinement.resolve(join(shared, 'loop-a', 'x'))).toThrow(/too many symbolic links/);
  });

  it('makes the missing folders of an output as real folders, so none can be swapped for a link before the write', () => {
    const target = join(shared, 'sub', 'out-a', 'out-b', 'model.onnx');
    expect(confinement.resolveForWriting(target)).toBe(target);
    for (const folder of [join(shared, 'sub', 'out-a'), join(shared, 'sub', 'out-a', 'out-b')]) {
      expect(lstatSync(folder).isDirectory()).toBe(true);
      expect(lstatSync(folder).isSymbolicLink()).toBe(false);
    }
    expect(existsSync(target)).toBe(false); // the file itself is the handler's to create
    // A folder that a link replaced after an earlier check is checked again: the link out is refused.
    rmdirSync(join(shared, 'sub', 'out-a', 'out-b'));
    symlinkSync(outside, join(shared, 'sub', 'out-a', 'out-b'));
    expect(() => confinement.resolveForWriting(target)).toThrow(/outside the folders shared/);
    expect(() => confinement.resolveForWriting(join(shared, 'escape', 'new', 'x.onnx'))).toThrow(/outside the folders shared/);
    expect(existsSync(join(outside, 'new'))).toBe(false);
    // A shared folder itself can be written into (an export into the root): nothing above it is made.
    expect(confinement.resolveForWriting(shared)).toBe(shared);
  });

  it('allows what is inside, including the shared folder itself', () => {
    expect(confinement.resolve(shared)).toBe(shared);
    expect(confinement.resolve(join(shared, 'sub', 'new', 'file.txt'))).toBe(join(shared, 'sub', 'new', 'file.txt'));
    expect(Confinement.none.allows('/etc/passwd')).toBe(true);
  });
});
