// stimuli check --update: a changed image's new hash, size, header and thumbnail are recorded; without
// --update it is only reported (with the way to record it); a file that is no longer an image is not.
// (The tiny project is made without thumbnails: the one found after --update is the new file's.)
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { checkStimuli } from '../../../src-main/engine/stimuli/validate.ts';
import { getThumbnails, listImages } from '../../../src-main/engine/storage/stimuli-store.ts';
import { tempDir } from '../inference/helpers.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

const dir = tempDir();
const path = join(dir, 'c.unitscope');
const file = join(dir, 'c.files', 'images', 'scenes-1.png');
let project: Project;

const record = () => listImages(project.db, dir).images.find((i) => i.absolutePath === file)!;

beforeAll(async () => {
  await makeTinyProject(path, 3, 8);
  project = Project.open(path);
}, 60_000);
afterAll(() => {
  project.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stimuli check --update', () => {
  it('reports a changed image, then records its new contents', async () => {
    const png = await sharp({ create: { width: 96, height: 80, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();
    writeFileSync(file, png);

    const report = await checkStimuli(project);
    expect(report).toMatchObject({ changed: 1, updated: 0 });
    expect(report.problems.find((p) => p.file === file)?.reason).toContain(`stimuli check ${path} --update`);
    expect(record().status).toBe('changed');

    const updated = await checkStimuli(project, { update: true });
    expect(updated).toMatchObject({ changed: 0, updated: 1, ok: 9 });
    expect(updated.problems.find((p) => p.file === file)).toMatchObject({ severity: 'warning', reason: expect.stringMatching(/^updated: recorded its new contents/) });
    expect(record()).toMatchObject({ status: 'ok', sha256: createHash('sha256').update(png).digest('hex'), bytes: png.length, width: 96, height: 80, format: 'png' });
    const thumbnail = getThumbnails(project.db, [record().id]).get(record().id)!;
    expect(thumbnail).toMatchObject({ width: 96, height: 80, mime: expect.stringMatching(/^image\//) });
    expect(await checkStimuli(project, { update: true })).toMatchObject({ changed: 0, updated: 0, ok: 9 });
  });

  it('does not record a file that is no longer an image', async () => {
    const before = record();
    writeFileSync(file, 'not an image any more\n');
    const report = await checkStimuli(project, { update: true });
    expect(report).toMatchObject({ changed: 1, updated: 0 });
    expect(report.problems.find((p) => p.file === file)?.reason).toMatch(/no longer a usable image.*not updated/);
    expect(record()).toMatchObject({ status: 'changed', sha256: before.sha256, width: 96 });
  });
});
