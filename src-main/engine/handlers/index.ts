// The engine's handler map, assembled from one module per domain and checked against the contract at
// compile time: a missing or mistyped handler is a type error here, an unknown method one in its domain
// module (`satisfies Partial<EngineHandlers>`), and a method two domains define throws when the map is
// built (Actual Budget's App.method refuses a repeated name the same way).
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { appHandlers } from './app-handlers.ts';
import { jobHandlers } from './job-handlers.ts';
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
import { studyHandlers } from './study-handlers.ts';

type Merged<Maps extends readonly object[]> = Maps extends readonly [infer First, ...infer Rest extends readonly object[]] ? First & Merged<Rest> : unknown;

/** One map from domain maps; throws when a method is defined in more than one of them. */
export function combineHandlers<const Maps extends readonly object[]>(...maps: Maps): Merged<Maps> {
  const combined: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [name, handler] of Object.entries(map)) {
      if (Object.hasOwn(combined, name)) throw new Error(`the engine's handler map defines ${name} twice; each method belongs to one domain module`);
      combined[name] = handler;
    }
  }
  return combined as Merged<Maps>;
}

export function createHandlers(engine: Engine): EngineHandlers {
  return combineHandlers(
    appHandlers(engine),
    jobHandlers(engine),
    projectHandlers(engine),
    stimuliHandlers(engine),
    fsHandlers(engine),
    demoHandlers(engine),
    runHandlers(engine),
    resultsHandlers(engine),
    exportHandlers(engine),
    modelHandlers(engine),
    analysisHandlers(engine),
    shardHandlers(engine),
    studyHandlers(engine),
  ) satisfies EngineHandlers;
}
