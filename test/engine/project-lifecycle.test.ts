// Moving or duplicating a project keeps its models found: files in the project's own folder follow it,
// files referenced elsewhere keep pointing at the same place even when stored relative to the project.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine.ts';
import { addModel, generateModel, getModel } from '../../src-main/engine/models/library.ts';
import { duplicateProject, renameProject } from '../../src-main/engine/stimuli/project-lifecycle.ts';

describe('project move and copy keep model paths valid', () => {
  it('follows owned model files and keeps referenced ones', async () => {
    const base = mkdtempSync(join(tmpdir(), 'unitscope-lifecycle-'));
    const engine = new Engine();
    const project = engine.createProject(join(base, 'lab.unitscope'));
    // Referenced next to the project (stored relative) and generated into the project's files folder.
    const referenced = join(base, 'shared-model.onnx');
    generateModel('tiny', 1, referenced);
    await addModel(project, { file: referenced, name: 'referenced', preset: 'imagenet', taps: 'auto' });
    const owned = join(project.filesDir, 'models', 'owned.onnx');
    generateModel('tiny', 2, owned);
    await addModel(project, { file: owned, name: 'owned', preset: 'imagenet', taps: 'auto', storage: 'generated' });

    mkdirSync(join(base, 'elsewhere'));
    const moved = renameProject(engine, project.path, join(base, 'elsewhere', 'moved.unitscope'), undefined);
    const movedReferenced = await getModel(moved, 'referenced');
    const movedOwned = await getModel(moved, 'owned');
    expect(movedReferenced.path).toBe(referenced);
    expect(movedOwned.path).toBe(join(base, 'elsewhere', 'moved.files', 'models', 'owned.onnx'));
    expect(existsSync(movedOwned.path)).toBe(true);
    expect(movedReferenced.changed || movedOwned.changed).toBe(false);

    const copy = duplicateProject(engine, moved.path, join(base, 'copy.unitscope'), undefined);
    expect((await getModel(copy, 'referenced')).path).toBe(referenced);
    expect((await getModel(copy, 'owned')).path).toBe(join(base, 'copy.files', 'models', 'owned.onnx'));
    engine.close();
  });
});
