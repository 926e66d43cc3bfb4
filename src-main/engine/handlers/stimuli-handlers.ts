// Stimuli (import, list, check, scramble, thumbnails, the demo set) and the project lifecycle calls that
// come with a stimulus set being a project (open, recent, rename, duplicate, delete).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import { forgetRecentProject, listRecentProjects, recordRecentProject, renameRecentProject } from '../recent-projects.ts';
import { fetchFloc } from '../floc/fetch-floc.ts';
import { downloadPolicy } from '../models/catalogue.ts';
import { createDemoStimulusSet } from '../stimuli/demo.ts';
import { importStimuli } from '../stimuli/import.ts';
import { deleteProject, duplicateProject, renameProject } from '../stimuli/project-lifecycle.ts';
import { scrambleCategory } from '../stimuli/scramble-category.ts';
import { checkStimuli } from '../stimuli/validate.ts';
import { listCategories, getThumbnails, listImages } from '../storage/stimuli-store.ts';
import type { EngineHandlers } from './types.ts';

export function stimuliHandlers(engine: Engine) {
  return {
    'project.open': async ({ path }) => {
      const project = engine.project(path);
      recordRecentProject(project.path, project.name);
      return project.info();
    },
    // Serve mode lists only projects under the shared folders (the list is the user's, across sessions).
    'project.recent': async () => listRecentProjects().filter((entry) => engine.confinement.allows(entry.path)),
    'project.rename': async ({ path, to, name }) => {
      if (to === undefined && name === undefined) throw new EngineError('validation', 'project.rename needs a new path (to) or a new name');
      const before = engine.project(path).path;
      const project = renameProject(engine, path, to, name);
      renameRecentProject(before, project.path, project.name);
      return project.info();
    },
    'project.duplicate': async ({ path, to, name }) => {
      const copy = duplicateProject(engine, path, to, name);
      recordRecentProject(copy.path, copy.name);
      return copy.info();
    },
    'project.delete': async ({ path }) => {
      const result = deleteProject(engine, path);
      forgetRecentProject(result.path);
      return result;
    },

    'stimuli.import': async ({ path, source, map, controls, targets, copy }, { signal, progress }) =>
      importStimuli(engine.project(path), source, { map: map ?? {}, controls: controls ?? {}, targets: targets ?? [], copy: copy ?? false, confinement: engine.confinement, signal, progress }),
    'stimuli.list': async ({ path, category, offset, limit }) => {
      const project = engine.reader(path);
      const page = listImages(project.db, dirname(project.path), {
        ...(category !== undefined ? { category } : {}),
        ...(offset !== undefined ? { offset } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      return { categories: listCategories(project.db), ...page };
    },
    'stimuli.check': async ({ path, update }, { signal, progress }) => checkStimuli(engine.project(path), { update, signal, progress }),
    'stimuli.scramble': async ({ path, from, as, method, grid, seed, phaseMode }, { signal, progress }) =>
      scrambleCategory(
        engine.project(path),
        { from, as, method, ...(grid !== undefined ? { grid } : {}), ...(seed !== undefined ? { seed } : {}), ...(phaseMode !== undefined ? { phaseMode } : {}) },
        { signal, progress },
      ),
    'stimuli.thumbnails': async ({ path, ids }) => {
      const thumbnails = getThumbnails(engine.reader(path).db, ids);
      return ids.flatMap((id) => {
        const t = thumbnails.get(id);
        return t ? [{ id, mime: t.mime, width: t.width, height: t.height, base64: t.data.toString('base64') }] : [];
      });
    },
    'stimuli.fetchFloc': async ({ path, url, controls }, ctx) => {
      const project = engine.project(path);
      // A local copy of the archive is a path like any other: in serve mode it must lie under the roots.
      const source = url === undefined || /^https?:\/\//i.test(url) ? url : engine.confinement.resolve(url.startsWith('file:') ? fileURLToPath(url) : url);
      return fetchFloc(project, { policy: downloadPolicy(engine.session.mode), signal: ctx.signal, progress: ctx.progress, ...(source !== undefined ? { url: source } : {}), ...(controls !== undefined ? { controls } : {}) });
    },
    'stimuli.demo': async ({ outDir, seed, perCategory }, { progress }) =>
      createDemoStimulusSet(outDir, seed ?? 0, { ...(perCategory !== undefined ? { perCategory } : {}), progress }),
  } satisfies Partial<EngineHandlers>;
}
