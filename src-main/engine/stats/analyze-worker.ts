// An analysis worker thread (started by analyzeLayers in analyze.ts through module-worker.ts): one
// layer per task with what storing it needs (its CSI orders and chart aggregates), its results' buffers
// moved back to the calling thread.
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../module-worker.ts';
import { analysisBuffers, analyzeLayer, storableAnalysis, type AnalyzedLayer, type AnalyzeTask } from './analyze.ts';

serveTasks<AnalyzeTask, AnalyzedLayer>(parentPort!, ({ stats, categories, recipe }) => {
  const analyzed = storableAnalysis(analyzeLayer(stats, categories, recipe));
  return { result: analyzed, transfer: analysisBuffers(analyzed) };
});
