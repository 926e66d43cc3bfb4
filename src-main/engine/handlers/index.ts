// The engine's handler map, assembled from one module per domain and checked against the contract at
// compile time: a missing, extra or mistyped handler is a type error here.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { appHandlers } from './app-handlers.ts';
import { projectHandlers } from './project-handlers.ts';
import { fsHandlers } from './fs-handlers.ts';

export function createHandlers(engine: Engine): EngineHandlers {
  return {
    ...appHandlers(engine),
    ...projectHandlers(engine),
    ...fsHandlers(engine),
  } satisfies EngineHandlers;
}
