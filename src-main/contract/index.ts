// The one contract between the renderer (and the CLI, and tests) and the engine. Every call is declared
// here once: `domain.verb`, an argument schema, the result type, and whether it is long (progress +
// cancellation). The engine's handler map is checked against it with `satisfies HandlerMap<Api>`.
import { z } from 'zod';
import { method } from './define.ts';
import type { ProjectInfo, SessionInfo } from './types.ts';

const projectPath = z.string().min(1, 'a project path is required');

export const api = {
  'app.version': method<{ version: string; node: string; platform: string }>()(z.object({})),
  /** How this engine was started: which project to open first and which folders file choices may use. */
  'app.session': method<SessionInfo>()(z.object({})),

  'project.create': method<ProjectInfo>()(
    z.object({ path: projectPath, name: z.string().min(1).optional() }),
  ),
  'project.info': method<ProjectInfo>()(z.object({ path: projectPath })),

} as const;

export type Api = typeof api;
export type ApiMethod = keyof Api & string;

export * from './define.ts';
export * from './protocol.ts';
export * from './recipe.ts';
export * from './types.ts';
