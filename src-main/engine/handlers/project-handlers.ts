import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';

export function projectHandlers(engine: Engine) {
  return {
    'project.create': async ({ path, name }) => engine.createProject(path, name).info(),
    'project.info': async ({ path }) => engine.project(path).info(),
  } satisfies Partial<EngineHandlers>;
}
