import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { APP_VERSION } from '../version.ts';

export function appHandlers(engine: Engine) {
  return {
    'app.version': async () => ({ version: APP_VERSION, node: process.version, platform: `${process.platform}-${process.arch}` }),
    'app.session': async () => engine.session,
  } satisfies Partial<EngineHandlers>;
}
