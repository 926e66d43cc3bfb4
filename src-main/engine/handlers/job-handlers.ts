// job.*: the long calls running in this engine (every call the contract declares long runs as a job,
// see dispatch.ts): list them, cancel one by id, or follow one's progress until it ends.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';

export function jobHandlers(engine: Engine) {
  return {
    'job.list': async () => engine.jobs.list(),
    'job.cancel': async ({ id }) => {
      engine.jobs.cancel(id);
      return { id, cancelling: true };
    },
    'job.follow': async ({ id }, ctx) => engine.jobs.follow(id, ctx),
  } satisfies Partial<EngineHandlers>;
}
