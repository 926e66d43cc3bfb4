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
    'shard.bundle': async ({ path, model, out, reference, layers, recipe }, ctx) => createBundle(engine.project(path), { model, out, reference, layers, recipe }, ctx),
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
      return runShard(input, shard, out, { provider, batch, memoryBudgetMB }, ctx);
    },
    'shard.merge': async ({ path, files }, ctx) => mergePartials(engine.project(path), files, ctx),
    'shard.status': async ({ path, files }) => shardStatus(engine.reader(path), files),
  } satisfies Partial<EngineHandlers>;
}
