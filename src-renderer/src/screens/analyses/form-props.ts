// What every analysis form gets from the Analyses screen: the run it studies, the screen's shared long
// task (progress and Cancel) and a callback with the id of the analysis it stored.
import type { LongTask } from '../../lib/task.svelte.ts';

export interface AnalysisFormProps {
  path: string;
  run: number;
  task: LongTask;
  onstored: (id: number) => void;
}
