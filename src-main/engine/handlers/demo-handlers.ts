import { createDemo } from '../demo/create-demo.ts';
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';

export function demoHandlers(engine: Engine) {
  return {
    'demo.create': ({ out, seed }, ctx) => createDemo(engine, { out, seed }, ctx),
  } satisfies Partial<EngineHandlers>;
}
