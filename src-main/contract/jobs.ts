// Long calls run as jobs: listed with job.list, cancelled by id with job.cancel, and followed by any
// connection with job.follow (a desktop window that reloaded mid-run, a browser that reconnected).
import type { EngineErrorData, Progress } from './protocol.ts';

export interface JobInfo {
  id: number;
  /** The contract method the job runs, e.g. 'run.start'. */
  method: string;
  /** What it does, from the call's arguments ("run.start tiny"). */
  label: string;
  /** The project the call names (its `path` argument), if any. */
  project: string | null;
  startedAt: string;
  /** The last progress it reported, if any. */
  progress: Progress | null;
}

/** How a followed job ended. Its result stays with its caller; what it stored can be read back (run.list, ...). */
export interface JobEnded {
  id: number;
  method: string;
  status: 'finished' | 'failed' | 'cancelled';
  error: EngineErrorData | null;
}
