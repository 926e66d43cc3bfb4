// Vitest global setup: every test run writes its temporary files (projects, images, models, homes) under
// one fresh folder, removed when the run ends, so runs never pile up files in the system's temp folder.
// Test processes are forked after this runs, so they inherit TMPDIR and os.tmpdir() points here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'unitscope-vitest-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
