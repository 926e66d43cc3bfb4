// Public entry points of the statistics stage (pure computation: no SQLite, no ORT). Stable API for the
// run orchestrator and the CLI:
//
//   analyzeLayer(stats, categories, recipe, perImage?) -> LayerAnalysis            (sync)
//     Every recipe from sufficient statistics; ranksum-maxp additionally needs
//     perImage = { rankSumMaxP: await rankSumMaxP(stats, gatherer, opts) }.
//   analyzeLayers(jobs, load, categories, recipe, store, opts?) -> Promise<void> (store gets AnalyzedLayer: storableAnalysis)
//     Layer by layer over worker threads (every core for large layers), load and store on the calling
//     thread in job order while the workers analyse the next layers; not for ranksum-maxp / global top-k.
//   analyzeRun(layers, categories, recipe, gatherer?, opts?) -> Promise<LayerAnalysis[]>
//     All layers; top-k with topkScope 'global' selects across layers; ranksum-maxp gathers per-image
//     responses in unit slices under opts.budgetBytes (default 256 MiB).
//   SufficientAccumulator / mergeLayerStats / pooledMoments: build and merge LayerStats.
//
// Results follow docs/method.md#recipes; undefined tests give NaN (never selective, outside the FDR family).
export { analyzeLayer, analyzeLayers, analyzeRun, storableAnalysis, type AnalyzedLayer, type AnalyzeLayersOptions, type AnalyzeRunOptions, type LayerJob } from './analyze.ts';
export { SufficientAccumulator, mergeLayerStats, emptyLayerStats, pooledMoments, categoryMoments, layerStatsFromRows, type GroupMoments } from './sufficient.ts';
export { comparisonSet, targetIndices, topKMasks, unitResults, type PerImageEvidence } from './recipes.ts';
export { rankSumMaxP, rankSumMaxPFromRows, mannWhitneyP, type RankSumOptions } from './ranksum.ts';
export { adjustPValues, type FdrMethod } from './fdr.ts';
export { studentTwoSidedP, normalTwoSidedP, normalSf } from './distributions.ts';
export { gini, normalizedEntropy, topShare, layerMeanResponse } from './layer-metrics.ts';
export { consistencyMatrix, rdmUpperTriangle, spearmanMatrix, summarizeMatrix, type ConsistencyResult, type ConsistencyOptions, type CategoryConsistency, type ConsistencyMatrix } from './consistency.ts';
export { compareRuns, alignLayers, twoProportionZ, type ComparisonRow, type CompareOptions, type LayerAlignment } from './compare.ts';
