// shard.*: sharded runs for clusters. bundle and run prepare and compute shards (run needs no project
// database when given a bundle); merge checks the partial files and stores one run; status lists them.
import { extname } from 'node:path';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import { PROJECT_EXTENSION } from '../project.ts';
import { checkShardSpec } from '../shards/assignment.ts';
import { createBundle, readBundle, type ShardSource } from '../shards/bundle.ts';
import { mergePartials, shardStatus } from '../shards/merge.ts';
import { runShard, sourceFromProject } from '../shards/run-shard.ts';
import type { EngineHandlers } from './types.ts';

export function shardHandlers(engine: Engine) {
  return {
    'shard.bundle': async ({ path, model, out, reference, layers, recipe }, ctx) =>
      engine.jobs.run('bundle', `bundle ${model}`, (job) => createBundle(engine.project(path), { model, out, reference, layers, recipe }, job), ctx),
    'shard.run': async ({ source, shard, out, model, layers, recipe, provider, batch, memoryBudgetMB }, ctx) => {
      checkShardSpec(shard);
      let input: ShardSource;
      if (extname(source) === PROJECT_EXTENSION) {
        if (!model) throw new EngineError('validation', `${source}: a shard of a project needs the model name (or run it from a bundle)`);
        input = sourceFromProject(engine.project(source), model, layers, recipe);
      } else {
        if (model !== undefined || layers !== undefined || recipe !== undefined) {
          throw new EngineError('validation', `${source}: a bundle fixes the model, layers and recipe; give them when making the bundle`);
        }
        input = readBundle(source);
        engine.confinement.checkAll([input.modelPath, ...input.imagePaths], source);
      }
      return engine.jobs.run('shard', `shard ${shard.index}/${shard.count}`, (job) => runShard(input, shard, out, { provider, batch, memoryBudgetMB }, job), ctx);
    },
    'shard.merge': async ({ path, files }, ctx) => engine.jobs.run('merge', `merge ${files.length} partials`, (job) => mergePartials(engine.project(path), files, job), ctx),
    'shard.status': async ({ path, files }) => shardStatus(engine.project(path), files),
  } satisfies Partial<EngineHandlers>;
}
