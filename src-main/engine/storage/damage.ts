// The one wording for a damaged project: what is damaged, that nothing was changed, and the ways back
// (docs/storage.md "Damage and recovery"). Checksums (blobs.ts), the open-time file check
// (file-integrity.ts) and `project check` all say it the same way.
import { EngineError } from '../errors.ts';

const WAL_AND_EXPORTS =
  'if a -wal file sits beside the project, copy the project together with its -wal and -shm files before anything else opens it (they may hold the last good pages); restore the file from a backup; results exported before are in their export folders (manifest.json)';

/** How to get the damaged data back, by the table it was in. */
export function recoveryFor(table: string | null): string {
  if (table === 'unit_columns' || table === 'layer_results' || table === 'run_aggregates') {
    return `${WAL_AND_EXPORTS}; or compute the results again from the stored statistics with 'unitscope reanalyze PROJECT --run ID'`;
  }
  if (table === 'layer_stats' || table === 'run_checkpoints') return `${WAL_AND_EXPORTS}; or make the run again with 'unitscope run' (the statistics come from the model and the images)`;
  if (table === 'run_bootstraps') return `${WAL_AND_EXPORTS}; or compute the bootstrap again (it is recomputed on demand)`;
  return WAL_AND_EXPORTS;
}

/** `file` is damaged at `what`: refused, naming the damage and the way back. */
export function damagedProject(file: string, what: string, table: string | null): EngineError {
  return new EngineError(
    'bad_input',
    `${file}: the project is damaged (${what}); nothing was read from the damaged part or written. To recover: ${recoveryFor(table)}. 'unitscope project check ${file}' lists all damage`,
    { file },
  );
}
