// A project is one SQLite file with numbered migrations: user_version records the schema, a newer
// file is refused with a clear message, a failed upgrade leaves the file untouched, and only a file
// with the app's marker (application_id) is ever migrated, written or deleted as a project.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Project } from '../../src-main/engine/project.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src-main/engine/storage/migrations/index.ts';
import { EngineError } from '../../src-main/engine/errors.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { EngineCallError } from '../../src-main/contract/client.ts';
import { UNITSCOPE_APPLICATION_ID } from '../../src-main/engine/storage/project-marker.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-project-'));

describe('project files', () => {
  it('creates NAME.unitscope at the latest schema version with its name recorded', () => {
    const path = join(dir, 'faces.unitscope');
    const project = Project.create(path);
    expect(project.info()).toMatchObject({ name: 'faces', schemaVersion: LATEST_SCHEMA_VERSION, imageCount: 0, modelCount: 0 });
    project.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('numbers migrations in increasing steps of 10', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    for (const v of versions) expect(v % 10).toBe(0);
  });

  it('refuses a file written by a newer Unitscope, naming it, and leaves it unchanged', () => {
    const path = join(dir, 'future.unitscope');
    Project.create(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const before = readFileSync(path);
    let error: unknown;
    try {
      Project.open(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe('unsupported');
    expect((error as EngineError).message).toContain(path);
    expect((error as EngineError).message).toContain('newer Unitscope');
    expect(readFileSync(path).equals(before)).toBe(true);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 10);
    check.close();
  });

  it('refuses a project path without the .unitscope extension', () => {
    expect(() => Project.create(join(dir, 'faces.db'))).toThrow(/must end in \.unitscope/);
  });

  it('marks a new project with the app id in its header', () => {
    const path = join(dir, 'marked.unitscope');
    Project.create(path).close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('application_id', { simple: true })).toBe(UNITSCOPE_APPLICATION_ID);
    raw.close();
  });

  it('never migrates, marks or deletes a file without the marker: empty, or another application\'s SQLite', async () => {
    const empty = join(dir, 'empty.unitscope');
    new Database(empty).close(); // SQLite leaves a 0-byte file
    const other = join(dir, 'other-app.unitscope');
    const raw = new Database(other);
    raw.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (\'keep me\');');
    raw.pragma('user_version = 3');
    raw.close();
    const engine = new Engine();
    const client = connectInProcess(engine);
    for (const path of [empty, other]) {
      const before = readFileSync(path);
      for (const method of ['project.info', 'project.open', 'project.delete', 'stimuli.list'] as const) {
        const error = (await client.call(method, { path }).catch((e: unknown) => e)) as EngineCallError;
        expect(error, `${method} ${path}`).toBeInstanceOf(EngineCallError);
        expect(error.kind).toBe('bad_input');
        expect(error.message).toMatch(/not a Unitscope project/);
      }
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path).equals(before), path).toBe(true);
      expect(existsSync(`${path}-wal`)).toBe(false);
    }
    client.disconnect();
    engine.close();
  });
});
