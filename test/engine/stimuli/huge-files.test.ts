// stimuli import looks at a file's signature and size before reading it whole (issue 15 item 8): two
// sparse 1.9 GB ".jpg" files (one with a JPEG signature, one of zeros) are refused with a reason each
// and the importing process stays small, instead of reading 4 GB; the real image beside them imports.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StimulusImportResult } from '../../../src-main/contract/types.ts';
import { moduleUrl, withPeakMemory } from '../../support/peak-memory.ts';
import { writeJpeg } from './corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'unitscope-huge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HUGE = 1_900_000_000;

/** A sparse file of HUGE bytes that starts with `head` (no disk blocks behind the rest). */
function sparse(path: string, head: Buffer): void {
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  closeSync(fd);
  truncateSync(path, HUGE);
}

describe('stimuli import and huge files', () => {
  it('refuses sparse 1.9 GB .jpg files from their first bytes and size, without reading them', async () => {
    const source = join(dir, 'stimuli');
    mkdirSync(join(source, 'faces'), { recursive: true });
    sparse(join(source, 'faces', 'huge-jpeg.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]));
    sparse(join(source, 'faces', 'huge-zeros.jpg'), Buffer.alloc(16));
    await writeJpeg(join(source, 'faces', 'real.jpg'), 1, 96);
    const project = join(dir, 'p.unitscope');
    const { value, peakMiB } = withPeakMemory<StimulusImportResult>(`
      const { Project } = await import(${moduleUrl('src-main/engine/project.ts')});
      const { importStimuli } = await import(${moduleUrl('src-main/engine/stimuli/import.ts')});
      const project = Project.create(${JSON.stringify(project)});
      try { return await importStimuli(project, ${JSON.stringify(source)}); } finally { project.close(); }
    `);
    expect(value.added).toBe(1);
    const reasons = Object.fromEntries(value.problems.filter((p) => p.severity === 'error').map((p) => [p.file, p.reason]));
    expect(reasons).toEqual({
      [join(source, 'faces', 'huge-jpeg.jpg')]: '1812 MiB is more than a stimulus image may have (256 MiB); refused without reading it',
      [join(source, 'faces', 'huge-zeros.jpg')]: 'not an image (unrecognised file signature)',
    });
    // Reading either whole would take 1.8 GiB each.
    expect(peakMiB).toBeLessThan(600);
  }, 120_000);
});
