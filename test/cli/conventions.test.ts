// The conventions every command follows: --help, exit codes 0/1/2, one JSON document with --json.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-cli-'));

describe('unitscope CLI conventions', () => {
  it('--help lists the commands and exits 0', () => {
    const result = runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['project', 'serve']) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
  });

  it('--version prints the package version', () => {
    const result = runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command exits 2 with the usage on stderr', () => {
    const result = runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stderr).toContain('usage: unitscope');
    expect(result.stdout).toBe('');
  });

  it('a bad option exits 2 with the command usage', () => {
    const result = runCli(['project', 'info', '--frob', 'x.unitscope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: unitscope project info');
  });

  it('run refuses a statistics precision it does not have, naming the choices', () => {
    const result = runCli(['run', join(dir, 'none.unitscope'), '--model', 'm', '--precision', 'float16']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--precision must be one of float64, float32; got 'float16'");
    expect(result.stderr).toContain('usage: unitscope run');
  });

  it('every subcommand answers --help with exit 0', () => {
    for (const args of [['project', 'create', '--help'], ['project', 'info', '--help'], ['serve', '--help']]) {
      const result = runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('usage: unitscope');
    }
  });

  it('project info on a text file exits 1 with one line naming the file', () => {
    const file = join(dir, 'notes.unitscope');
    writeFileSync(file, 'just some text, not a database at all\n');
    const result = runCli(['project', 'info', file]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toContain('not a Unitscope project');
  });

  it('project info on a missing file exits 1 naming it', () => {
    const file = join(dir, 'missing.unitscope');
    const result = runCli(['project', 'info', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(file);
  });

  it('--json prints exactly one JSON document on stdout', () => {
    const file = join(dir, 'json.unitscope');
    expect(runCli(['project', 'create', file]).code).toBe(0);
    const result = runCli(['project', 'info', file, '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { name: string; schemaVersion: number };
    expect(parsed.name).toBe('json');
    expect(parsed.schemaVersion).toBeGreaterThan(0);
  });

  it('refuses to create a project over an existing file', () => {
    const file = join(dir, 'twice.unitscope');
    expect(runCli(['project', 'create', file]).code).toBe(0);
    const again = runCli(['project', 'create', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });
});
