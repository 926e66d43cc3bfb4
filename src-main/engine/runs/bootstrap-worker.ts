// An image-bootstrap worker thread (started by runBootstrap in run-bootstrap.ts through
// module-worker.ts): one layer's replicates per task, with its own single-threaded GEMM session, so
// the workers together keep one thread per core.
import { parentPort } from 'node:worker_threads';
import { openWeightedSums, type ClosableWeightedSums } from '../inference/weighted-sums.ts';
import { serveTasks } from '../module-worker.ts';
import { layerReplicates, type ReplicateTask } from '../stats/image-bootstrap.ts';

let sums: Promise<ClosableWeightedSums> | null = null;

serveTasks<ReplicateTask, Float64Array>(parentPort!, async (task) => {
  sums ??= openWeightedSums(1);
  const { stop, ...input } = task;
  const values = await layerReplicates({ ...input, sums: await sums, stopped: () => Atomics.load(stop, 0) === 1 });
  return { result: values, transfer: [values.buffer as ArrayBuffer] };
});
