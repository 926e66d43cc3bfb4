// Temporary folders a test file removes when it is done: the pretrained-model tests write networks of
// 100-150 MB each, which must not pile up in /tmp across runs.
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tempDir } from '../engine/inference/helpers.ts';

/** A tempDir() that is deleted after the calling test file's tests. */
export function scratchDirs(): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = tempDir();
    made.push(dir);
    return dir;
  };
}
