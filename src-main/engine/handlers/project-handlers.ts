import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { recordRecentProject } from '../recent-projects.ts';
import { checkProject } from '../project-check.ts';

export function projectHandlers(engine: Engine) {
  return {
    'project.create': async ({ path, name }) => {
      const project = engine.createProject(path, name);
      recordRecentProject(project.path, project.name);
      return project.info();
    },
    'project.info': async ({ path }) => engine.reader(path).info(),
    'project.check': async ({ path }, { signal, progress }) => checkProject(path, { signal, progress }),
  } satisfies Partial<EngineHandlers>;
}
