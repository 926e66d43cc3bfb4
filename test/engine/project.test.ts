// A project is one SQLite file with numbered migrations: user_version records the schema, a newer
// file is refused with a clear message, a failed upgrade leaves the file untouched.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Project } from '../../src-main/engine/project.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src-main/engine/storage/migrations/index.ts';
import { EngineError } from '../../src-main/engine/errors.ts';

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

  it('upgrades a schema-0 (empty) SQLite file in one step and records the version', () => {
    const path = join(dir, 'empty.unitscope');
    new Database(path).close();
    const project = Project.open(path);
    expect(project.info().schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
    project.close();
  });
});
