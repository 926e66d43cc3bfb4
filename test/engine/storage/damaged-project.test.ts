// Damaged projects are detected, not served (issue 15 item 5), with real damage on real SQLite files and
// the CLI as real processes: bytes flipped inside a stored result, 64 KB zeroed over b-tree root pages,
// a truncated file. Every command refuses with one line naming the file, what is damaged and the way
// back, exit 1; the file's bytes are the same afterwards; `project check` lists the damage (exit 1) and
// passes an undamaged project. A project from before checksums is sealed by m120 without changing a result.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysedCopies, type AnalysedCopies } from '../../support/analysed-copies.ts';
import { runCliAsync } from '../../support/run-cli.ts';

let copies: AnalysedCopies;
let dir: string;

beforeAll(async () => {
  copies = await analysedCopies('unitscope-damage-', 'p.unitscope');
  dir = copies.dir;
}, 120_000);
afterAll(() => copies.remove());

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const copyOf = (name: string) => copies.copyOf(name);

function query<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** Where `bytes` (a stored value's first bytes) sit in the file: the live page and any stale copies on free pages. */
function offsetsOf(file: string, bytes: Buffer): number[] {
  const content = readFileSync(file);
  const found: number[] = [];
  for (let at = content.indexOf(bytes); at >= 0; at = content.indexOf(bytes, at + 1)) found.push(at);
  expect(found.length, 'the value is in the file').toBeGreaterThan(0);
  return found;
}

function rewrite(file: string, change: (content: Buffer) => void): void {
  const content = readFileSync(file);
  change(content);
  writeFileSync(file, content);
}

/** Runs `args`, expecting a refusal: exit 1, one line naming the file as damaged, matching `what`. */
async function expectRefused(project: string, args: string[], what: RegExp): Promise<string> {
  const result = await runCliAsync(args);
  expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1);
  // One line (progress lines before it aside: an export may have written rows before it met the damage).
  const lines = result.stderr.trim().split('\n').filter((l) => !/^\w+: \d+\/\d+ /.test(l));
  expect(lines, `${args.join(' ')}\n${result.stderr}`).toHaveLength(1);
  expect(lines[0]).toContain(`${project}: the project is damaged (`);
  expect(lines[0]).toMatch(what);
  expect(lines[0]).toContain('-wal');
  expect(lines[0]).toContain('export folders');
  expect(lines[0]).toContain(`unitscope project check ${project}`);
  return lines[0]!;
}

async function expectCheckFinds(project: string, what: RegExp): Promise<void> {
  const text = await runCliAsync(['project', 'check', project]);
  expect(text.code, text.stdout + text.stderr).toBe(1);
  expect(text.stdout).toContain(`${project}: DAMAGED (`);
  expect(text.stdout).toMatch(what);
  expect(text.stdout).toContain('nothing was changed. To recover:');
  const json = await runCliAsync(['project', 'check', project, '--json']);
  expect(json.code).toBe(1);
  const report = JSON.parse(json.stdout) as { ok: boolean; damage: { where: string; problem: string; recovery: string }[] };
  expect(report.ok).toBe(false);
  expect(report.damage.some((d) => what.test(`${d.where}: ${d.problem}`))).toBe(true);
}

const exports: string[] = [];
const exportArgs = (project: string) => {
  exports.push(join(dir, `export-${exports.length}`));
  return ['export', project, '--run', '1', '--format', 'csv', '--out', exports.at(-1)!];
};
/** A refused export leaves no units file behind (issue 15 item 3: partials are removed). */
const expectNoExport = () => expect(existsSync(join(exports.at(-1)!, 'units.csv'))).toBe(false);

describe('a damaged project', () => {
  it('an undamaged project passes project check, with every checksum verified', async () => {
    const project = copyOf('intact');
    const before = digest(project);
    const result = await runCliAsync(['project', 'check', project, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; damage: unknown[]; checksums: number; pages: number; note: string | null };
    expect(report).toMatchObject({ ok: true, damage: [], note: null });
    const rows = query<{ n: number }>(project, "SELECT (SELECT COUNT(*) FROM unit_columns) + (SELECT COUNT(*) FROM layer_stats) + (SELECT COUNT(*) FROM layer_stat_chunks) + (SELECT COUNT(*) FROM run_checkpoints) + (SELECT COUNT(*) FROM run_bootstraps) + (SELECT COUNT(*) FROM layer_results) + (SELECT COUNT(*) FROM run_aggregates) AS n")[0]!.n;
    expect(report.checksums).toBe(rows);
    expect(report.pages).toBeGreaterThan(10);
    const text = await runCliAsync(['project', 'check', project]);
    expect(text.stdout.trim()).toBe(`${project}: ok (${report.pages} pages, ${report.checksums} checksums)`);
    expect(digest(project)).toBe(before);
  }, 60_000);

  it('200 bytes flipped inside a stored unit-result BLOB: export refuses naming run, layer and table; project check finds it', async () => {
    const project = copyOf('flipped-blob');
    // A chunk of unit records (what results and exports read; the CSI orders are read by the top-N
    // queries): its bytes lie on one leaf or overflow page run of the file. Runs since m150 store kept
    // records (the selection and q).
    const blob = query<{ data: Buffer; name: string; layer: string }>(
      project,
      "SELECT u.data, u.name, l.name AS layer FROM unit_columns u JOIN run_layers l ON l.run_id = u.run_id AND l.position = u.position WHERE u.name LIKE 'kept#%' ORDER BY length(u.data) DESC, u.name LIMIT 1",
    )[0]!;
    const data = blob.data.subarray(0, blob.data.length - 8);
    const flip = Math.min(200, data.length - 32);
    expect(flip).toBeGreaterThanOrEqual(32);
    const found = offsetsOf(project, data.subarray(0, 32));
    for (const at of found) expect(readFileSync(project).subarray(at, at + flip).equals(data.subarray(0, flip)), 'the flipped bytes are the value').toBe(true);
    rewrite(project, (content) => {
      for (const at of found) for (let i = at; i < at + flip; i++) content[i] = content[i]! ^ 0xa5;
    });
    const before = digest(project);
    const line = await expectRefused(project, exportArgs(project), new RegExp(`run #1, layer ${blob.layer}, table unit_columns \\(.*${blob.name.replace('#', '#')}\\) does not match its checksum`));
    expect(line).toContain("unitscope reanalyze PROJECT --run ID");
    expectNoExport();
    await expectCheckFinds(project, new RegExp(`run #1, layer ${blob.layer}, table unit_columns .*: the stored data does not match its checksum`));
    expect(digest(project)).toBe(before);
  }, 120_000);

  it('a digit changed in a stored layer metric: results and export refuse instead of printing another number', async () => {
    const project = copyOf('flipped-metrics');
    const row = query<{ metrics: string; category: string; layer: string }>(
      project,
      'SELECT r.metrics, r.category, l.name AS layer FROM layer_results r JOIN run_layers l ON l.run_id = r.run_id AND l.position = r.position ORDER BY r.position LIMIT 1',
    )[0]!;
    const text = Buffer.from(row.metrics);
    const found = offsetsOf(project, text);
    const digit = row.metrics.search(/[1-8]/);
    expect(digit).toBeGreaterThanOrEqual(0);
    rewrite(project, (content) => {
      for (const at of found) content[at + digit] = content[at + digit]! + 1; // still valid JSON: only the checksum can tell
    });
    const before = digest(project);
    const what = new RegExp(`run #1, layer ${row.layer}, table layer_results \\(${row.category} metrics\\) does not match its checksum`);
    await expectRefused(project, ['results', project], what);
    await expectRefused(project, exportArgs(project), what);
    await expectCheckFinds(project, /table layer_results .*: the stored data does not match its checksum/);
    expect(digest(project)).toBe(before);
  }, 120_000);

  it('bytes flipped in stored statistics: reanalyze refuses before it writes a run, naming the layer, table layer_stat_chunks and the chunk', async () => {
    const project = copyOf('flipped-stats');
    // A chunk of final statistics (m150) whose first bytes sit nowhere else in the file, so exactly it is damaged.
    const content = readFileSync(project);
    const chunks = query<{ data: Buffer; chunk: number; layer: string }>(
      project,
      'SELECT c.data, c.chunk, l.name AS layer FROM layer_stat_chunks c JOIN run_layers l ON l.run_id = c.run_id AND l.position = c.position ORDER BY length(c.data) DESC, c.position, c.chunk',
    );
    const stats = chunks.find((c) => {
      const at = content.indexOf(c.data.subarray(0, 32));
      return at >= 0 && content.indexOf(c.data.subarray(0, 32), at + 1) < 0;
    })!;
    expect(stats, 'a chunk with unique bytes').toBeDefined();
    const found = offsetsOf(project, stats.data.subarray(0, 32));
    rewrite(project, (content) => {
      for (const at of found) for (let i = at + 8; i < at + 16; i++) content[i] = content[i]! ^ 0x01;
    });
    const before = digest(project);
    const line = await expectRefused(project, ['reanalyze', project, '--run', '1', '--alpha', '0.01'], new RegExp(`run #1, layer ${stats.layer}, table layer_stat_chunks \\(chunk ${stats.chunk}\\) does not match its checksum`));
    expect(line).toContain("make the run again with 'unitscope run'");
    await expectCheckFinds(project, new RegExp(`run #1, layer ${stats.layer}, table layer_stat_chunks \\(chunk ${stats.chunk}\\): the stored data does not match its checksum`));
    expect(digest(project)).toBe(before);
    expect(query<{ n: number }>(project, 'SELECT COUNT(*) AS n FROM runs')[0]!.n).toBe(1);
  }, 120_000);

  it('64 KB zeroed from a b-tree root page on: info, results, run and stimuli check refuse before reading or writing', async () => {
    const project = copyOf('zeroed');
    const pageSize = query<{ page_size: number }>(project, 'PRAGMA page_size')[0]!.page_size;
    const root = query<{ rootpage: number }>(project, "SELECT rootpage FROM sqlite_schema WHERE name = 'runs'")[0]!.rootpage;
    rewrite(project, (content) => content.fill(0, (root - 1) * pageSize, (root - 1) * pageSize + 65536));
    const before = digest(project);
    // The zeroed pages hold the root of runs and, past it, pages of the schema itself (SQLite says so).
    const what = new RegExp(`page ${root}, the root of table runs, is not a b-tree page|SQLite: database disk image is malformed`);
    for (const args of [['project', 'info', project], ['results', project], ['run', project, '--model', 'tiny'], ['stimuli', 'check', project]]) {
      await expectRefused(project, args, what);
    }
    await expectCheckFinds(project, /database disk image is malformed|is not a b-tree page/);
    expect(digest(project)).toBe(before);
  }, 120_000);

  it('one zeroed root page (the schema still readable) is caught by the open-time check', async () => {
    const project = copyOf('zeroed-root');
    const pageSize = query<{ page_size: number }>(project, 'PRAGMA page_size')[0]!.page_size;
    const root = query<{ rootpage: number }>(project, "SELECT rootpage FROM sqlite_schema WHERE name = 'unit_columns'")[0]!.rootpage;
    rewrite(project, (content) => content.fill(0, (root - 1) * pageSize, root * pageSize));
    const before = digest(project);
    const what = new RegExp(`page ${root}, the root of table unit_columns, is not a b-tree page`);
    for (const args of [['project', 'info', project], ['run', project, '--model', 'tiny'], ['stimuli', 'check', project]]) {
      await expectRefused(project, args, what);
    }
    await expectCheckFinds(project, what);
    expect(digest(project)).toBe(before);
  }, 120_000);

  it('a truncated file: every command refuses, saying how much of it is there', async () => {
    const project = copyOf('truncated');
    const pageSize = query<{ page_size: number }>(project, 'PRAGMA page_size')[0]!.page_size;
    const pages = query<{ page_count: number }>(project, 'PRAGMA page_count')[0]!.page_count;
    const kept = Math.floor(pages / 2);
    truncateSync(project, kept * pageSize);
    const before = digest(project);
    const what = new RegExp(`the file is cut short: ${kept} of its ${pages} pages are there`);
    for (const args of [['project', 'info', project], ['results', project], ['run', project, '--model', 'tiny'], ['stimuli', 'check', project], exportArgs(project)]) {
      await expectRefused(project, args, what);
    }
    await expectCheckFinds(project, what);
    // Cut inside a page, too.
    truncateSync(project, kept * pageSize - 100);
    await expectRefused(project, ['project', 'info', project], /is not a whole number of \d+-byte pages/);
    expect(digest(project)).not.toBe(before); // (the second cut) -- and nothing else changed it:
    const cut = digest(project);
    await runCliAsync(['run', project, '--model', 'tiny']);
    expect(digest(project)).toBe(cut);
  }, 120_000);
});

describe('a project from before checksums', () => {
  it('m120 seals its BLOBs and JSON rows on the first writable open; every result reads the same', async () => {
    const project = copyOf('old');
    const resultsBefore = await runCliAsync(['results', project, '--json']);
    expect(resultsBefore.code).toBe(0);
    // Make it what Unitscope wrote before m120: no trailers, no crc columns, no batch_axis (m130), schema 100.
    const db = new Database(project);
    db.exec(`
      UPDATE unit_columns SET data = substr(data, 1, length(data) - 8);
      UPDATE layer_stats SET count = substr(count, 1, length(count) - 8), mean = substr(mean, 1, length(mean) - 8), m2 = substr(m2, 1, length(m2) - 8);
      UPDATE run_checkpoints SET state = substr(state, 1, length(state) - 8) WHERE state IS NOT NULL;
      UPDATE run_bootstraps SET replicates = substr(replicates, 1, length(replicates) - 8);
      ALTER TABLE layer_results DROP COLUMN crc;
      ALTER TABLE run_aggregates DROP COLUMN crc;
      ALTER TABLE taps DROP COLUMN batch_axis;
      ALTER TABLE run_layers DROP COLUMN batch_axis;
      PRAGMA user_version = 100;
    `);
    db.close();
    const old = await runCliAsync(['project', 'check', project, '--json']);
    expect(old.code, old.stderr).toBe(0);
    expect((JSON.parse(old.stdout) as { note: string }).note).toContain('written before checksums (schema 100)');

    const upgraded = await runCliAsync(['results', project, '--json']); // upgrades (the file is writable)
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toBe(resultsBefore.stdout);
    expect(query<{ user_version: number }>(project, 'PRAGMA user_version')[0]!.user_version).toBeGreaterThanOrEqual(120);
    const check = await runCliAsync(['project', 'check', project, '--json']);
    expect(check.code, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, note: null });
    const out = join(dir, 'old-export');
    expect((await runCliAsync(['export', project, '--run', '1', '--format', 'csv', '--out', out])).code).toBe(0);
    const fresh = join(dir, 'fresh-export');
    expect((await runCliAsync(['export', copyOf('fresh'), '--run', '1', '--format', 'csv', '--out', fresh])).code).toBe(0);
    expect(readFileSync(join(out, 'units.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'units.csv'), 'utf8'));
  }, 180_000);
});
