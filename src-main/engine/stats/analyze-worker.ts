// An analysis worker thread (started by analyzeLayers in analyze.ts through module-worker.ts): one
// layer per task, its results' buffers moved back to the calling thread.
import { parentPort } from 'node:worker_threads';
import type { LayerAnalysis } from '../pipeline-types.ts';
import { serveTasks } from '../module-worker.ts';
import { analysisBuffers, analyzeLayer, type AnalyzeTask } from './analyze.ts';

serveTasks<AnalyzeTask, LayerAnalysis>(parentPort!, ({ stats, categories, recipe }) => {
  const analysis = analyzeLayer(stats, categories, recipe);
  return { result: analysis, transfer: analysisBuffers(analysis) };
});
