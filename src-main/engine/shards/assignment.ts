// Which images a shard processes: a deterministic, balanced split of the run's images. Walking the
// images in run order (category by category), image j of the whole list goes to shard j mod N. Every
// shard then holds floor or ceil of every category's share (round-robin within a category) and of the
// total, and the split depends only on the run plan and N, so every node computes the same one.
import { EngineError } from '../errors.ts';

export interface ShardSpec {
  /** 1-based, as Slurm array task ids usually are: shard 1/3 .. 3/3. */
  index: number;
  count: number;
}

/** Parses "I/N" (1 <= I <= N). */
export function parseShardSpec(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new EngineError('validation', `--shard must look like I/N (e.g. 2/8), got '${text}'`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  checkShardSpec({ index, count });
  return { index, count };
}

export function checkShardSpec(spec: ShardSpec): void {
  if (!Number.isInteger(spec.count) || spec.count < 1) throw new EngineError('validation', `the shard count must be a positive integer, got ${spec.count}`);
  if (!Number.isInteger(spec.index) || spec.index < 1 || spec.index > spec.count) {
    throw new EngineError('validation', `shard ${spec.index}/${spec.count}: the index must be between 1 and ${spec.count}`);
  }
}

/**
 * Positions (indices into the run's image list of `total` images) of shard `spec`, ascending. The list
 * is in run order, grouped by category, which is what makes the split balanced within categories.
 */
export function shardPositions(total: number, spec: ShardSpec): number[] {
  checkShardSpec(spec);
  const out: number[] = [];
  for (let p = spec.index - 1; p < total; p += spec.count) out.push(p);
  return out;
}
