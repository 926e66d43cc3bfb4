// A scramble worker thread (started by scramble-category.ts through module-worker.ts): one image per
// task, the scrambled pixels moved back to the main thread, which decodes and encodes around it.
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../module-worker.ts';
import { scrambleTask, type ScrambleTask } from './scramble.ts';

serveTasks<ScrambleTask, Uint8Array>(parentPort!, (task) => {
  const pixels = scrambleTask(task);
  return { result: pixels, transfer: [pixels.buffer as ArrayBuffer] };
});
