// The engine's handler map, assembled from one module per domain and checked against the contract at
// compile time: a missing, extra or mistyped handler is a type error here.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { appHandlers } from './app-handlers.ts';
import { projectHandlers } from './project-handlers.ts';
import { stimuliHandlers } from './stimuli-handlers.ts';
import { fsHandlers } from './fs-handlers.ts';
import { demoHandlers } from './demo-handlers.ts';
import { runHandlers } from './run-handlers.ts';
import { resultsHandlers } from './results-handlers.ts';
import { exportHandlers } from './export-handlers.ts';
import { modelHandlers } from './model-handlers.ts';
import { analysisHandlers } from './analysis-handlers.ts';
import { shardHandlers } from './shard-handlers.ts';

export function createHandlers(engine: Engine): EngineHandlers {
  return {
    ...appHandlers(engine),
    ...projectHandlers(engine),
    ...stimuliHandlers(engine),
    ...fsHandlers(engine),
    ...demoHandlers(engine),
    ...runHandlers(engine),
    ...resultsHandlers(engine),
    ...exportHandlers(engine),
    ...modelHandlers(engine),
    ...analysisHandlers(engine),
    ...shardHandlers(engine),
  } satisfies EngineHandlers;
}
