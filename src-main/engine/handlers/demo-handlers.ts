import { createDemo } from '../demo/create-demo.ts';
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';

export function demoHandlers(engine: Engine) {
  return {
    'demo.create': ({ out, seed }, ctx) =>
      engine.jobs.run('demo', 'build the demo project', (job) => createDemo(engine, { out, seed }, job), ctx),
  } satisfies Partial<EngineHandlers>;
}
