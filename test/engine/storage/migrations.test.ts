// A project written by an older Unitscope (the committed schema-10 fixture) is upgraded in place with its
// data intact; one written by a newer Unitscope is refused with a clear message and left untouched.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { LATEST_SCHEMA_VERSION } from '../../../src-main/engine/storage/migrations/index.ts';
import { UNITSCOPE_APPLICATION_ID } from '../../../src-main/engine/storage/project-marker.ts';

const FIXTURE = new URL('../../fixtures/projects/schema10.unitscope', import.meta.url);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('schema migrations', () => {
  it('upgrades the schema-10 fixture to the latest schema, keeping its data', () => {
    const path = join(dir, 'old.unitscope');
    copyFileSync(FIXTURE, path);
    const project = Project.open(path);
    try {
      const info = project.info();
      expect(info.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(40);
      expect(info.name).toBe('schema10');
      expect(info.imageCount).toBe(6);
      expect(info.categories.map((c) => [c.name, c.images])).toEqual([
        ['faces', 2],
        ['scenes', 2],
        ['scrambled_scenes', 2],
      ]);
      expect(info.runs).toHaveLength(1);
      expect(info.runs[0]).toMatchObject({ id: 1, model: 'tiny', status: 'finished', provider: 'cpu', seconds: 1.5, images: 6 });
      // The results tables exist and are empty for the old run.
      const tables = project.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['run_layers', 'layer_stats', 'unit_columns', 'layer_results', 'run_aggregates', 'run_checkpoints']));
      expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
      // A project from before the app marker is recognised by its tables and marked once.
      expect(project.db.pragma('application_id', { simple: true })).toBe(UNITSCOPE_APPLICATION_ID);
    } finally {
      project.close();
    }
  });

  it('refuses a project from a newer schema and leaves the file as it was', () => {
    const path = join(dir, 'new.unitscope');
    copyFileSync(FIXTURE, path);
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
    db.close();
    expect(() => Project.open(path)).toThrow(/newer Unitscope \(schema \d+, this version reads up to \d+\)/);
    // No migration ran: same version, same tables, same rows. (Opening does switch the journal to WAL,
    // which changes two header bytes; database.ts sets it before checking the version.)
    const after = new Database(path, { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 10);
      expect((after.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'unit_columns'").get() as { n: number }).n).toBe(0);
      expect(after.prepare('SELECT id, status, images FROM runs').all()).toEqual([{ id: 1, status: 'finished', images: 6 }]);
      expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      after.close();
    }
  });
});
