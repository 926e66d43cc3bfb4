// What every stored-analysis view gets from the Analyses screen: the stored record, its parsed result,
// the run's category names (chart colours) and the base name for exported figures.
import type { StoredAnalysis } from '../../../../src-main/contract/analysis-types.ts';

export interface AnalysisViewProps<R> {
  stored: StoredAnalysis;
  result: R;
  categories: string[];
  fileBase: string;
}
