// `stimuli import --copy` killed with SIGKILL at 10 points (real processes): the project stays valid, every
// copied file it does not record is listed in the killed import's journal, and importing again removes
// those, copies each image once under its own name and records it: no orphans, no doubled files.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { importStimuli } from '../../../src-main/engine/stimuli/import.ts';
import { killPoints, runCliKilledWhen } from '../../support/run-cli.ts';
import { writeJpeg } from './corpus.ts';

const KILLS = 10;
const PER_CATEGORY = 15;
const CATEGORIES = ['faces', 'bodies', 'scenes'];
let dir: string;
let source: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-import-kill-'));
  source = join(dir, 'stimuli');
  let index = 0;
  for (const category of CATEGORIES) for (let i = 0; i < PER_CATEGORY; i++) await writeJpeg(join(source, category, `${category}-${i}.jpg`), index++, 256);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesUnder(folder: string): string[] {
  try {
    return readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** The project's recorded image paths (absolute) and whether the file passes SQLite's integrity check. */
function recorded(project: string): { paths: Set<string>; integrity: string } {
  const db = new Database(project, { readonly: true });
  try {
    const rows = db.prepare('SELECT path FROM images').all() as { path: string }[];
    return { paths: new Set(rows.map((r) => join(dir, r.path))), integrity: db.pragma('integrity_check', { simple: true }) as string };
  } finally {
    db.close();
  }
}

/** The targets the journals in the files folder list. */
function journalled(filesDir: string): Set<string> {
  const names = readdirSync(filesDir).filter((n) => n.startsWith('.writing-') && n.endsWith('.json'));
  return new Set(names.flatMap((n) => (JSON.parse(readFileSync(join(filesDir, n), 'utf8')) as { targets: string[] }).targets));
}

describe('stimuli import --copy killed with SIGKILL', () => {
  it(`leaves no orphan and no doubled file at ${KILLS} kill points`, async () => {
    const fresh = (name: string) => {
      const project = join(dir, `${name}.unitscope`);
      Project.create(project).close();
      return { project, filesDir: join(dir, `${name}.files`) };
    };
    const copying = (filesDir: string) => (pid: number) => {
      try {
        return readdirSync(filesDir).some((n) => n.startsWith(`.writing-${pid}-`));
      } catch {
        return false;
      }
    };
    const reference = fresh('reference');
    const measured = await runCliKilledWhen(['stimuli', 'import', reference.project, source, '--copy'], copying(reference.filesDir));
    expect(measured.code, measured.stderr).toBe(0);
    expect(measured.sinceSeenMs).not.toBeNull();
    expect(filesUnder(join(reference.filesDir, 'stimuli'))).toHaveLength(CATEGORIES.length * PER_CATEGORY);

    const outcomes: string[] = [];
    let kills = 0;
    let round = 0;
    for (const point of killPoints(measured.sinceSeenMs!, KILLS, 0, 0.95)) {
      // Load varies between the reference and the kill: a kill that came too late (the import finished)
      // is tried again sooner.
      let afterMs = point;
      for (let attempt = 0; attempt < 4; attempt++, afterMs = Math.floor(afterMs * 0.6)) {
        const { project, filesDir } = fresh(`p${round++}`);
        const result = await runCliKilledWhen(['stimuli', 'import', project, source, '--copy'], copying(filesDir), afterMs);
        const stimuli = join(filesDir, 'stimuli');
        const after = recorded(project);
        expect(after.integrity).toBe('ok');
        const onDisk = filesUnder(stimuli);
        const unrecorded = onDisk.filter((f) => !after.paths.has(f));
        outcomes.push(`kill +${afterMs}ms into copying -> ${result.signal ?? `exit ${result.code}`}: ${onDisk.length} files, ${after.paths.size} recorded`);
        if (result.signal !== 'SIGKILL') {
          expect(result.code, result.stderr).toBe(0);
          continue;
        }
        kills++;
        // Whatever the kill left unrecorded, the journal lists.
        const listed = journalled(filesDir);
        for (const file of unrecorded) expect(listed.has(file), `${relative(dir, file)} is neither recorded nor journalled`).toBe(true);
        // Importing again: each image once, recorded, under its own name; no journal left.
        const opened = Project.open(project);
        const again = await importStimuli(opened, source, { copy: true }).finally(() => opened.close());
        expect(again.added + again.unchanged).toBe(CATEGORIES.length * PER_CATEGORY);
        const final = recorded(project);
        const files = filesUnder(stimuli).sort();
        expect(files).toHaveLength(CATEGORIES.length * PER_CATEGORY);
        expect(files).toEqual([...final.paths].sort());
        expect(files.map((f) => relative(stimuli, f)).sort()).toEqual(CATEGORIES.flatMap((c) => Array.from({ length: PER_CATEGORY }, (_, i) => join(c, `${c}-${i}.jpg`))).sort());
        expect(readdirSync(filesDir).filter((n) => n.startsWith('.writing-'))).toEqual([]);
        break;
      }
    }
    console.info(outcomes.join('\n'));
    expect(kills, outcomes.join('\n')).toBeGreaterThanOrEqual(KILLS - 2);
  }, 600_000);
});
