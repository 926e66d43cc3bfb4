// What every analysis form gets from the Analyses screen (the run it studies, the screen's shared long
// task with progress and Cancel, a callback with the id of the analysis it stored) and how it submits.
import type { CallOptions } from '../../../../src-main/contract/client.ts';
import type { LongTask } from '../../lib/task.svelte.ts';

export interface AnalysisFormProps {
  path: string;
  run: number;
  task: LongTask;
  onstored: (id: number) => void;
}

/**
 * A form's submit: `args` are the form's arguments once they pass the contract's rules (null while a
 * field breaks one: nothing starts); the call runs on the screen's task and the stored id goes to onstored.
 */
export async function submitAnalysis<A>(
  event: SubmitEvent,
  { task, onstored }: Pick<AnalysisFormProps, 'task' | 'onstored'>,
  args: A | null,
  call: (args: A, options: CallOptions) => Promise<{ analysis: number }>,
): Promise<void> {
  event.preventDefault();
  if (!args) return;
  const result = await task.run((signal, onProgress) => call(args, { signal, onProgress }));
  if (result) onstored(result.analysis);
}
