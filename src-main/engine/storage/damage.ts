// The refusal of a damaged project: what is damaged, that nothing was changed, and the ways back
// (errors.ts). Checksums (blobs.ts) and the open-time file check (file-integrity.ts) refuse with it.
import { EngineError, recoveryFor } from '../errors.ts';

/** `file` is damaged at `what`: refused, naming the damage and the way back. */
export function damagedProject(file: string, what: string, table: string | null): EngineError {
  return new EngineError(
    'bad_input',
    `${file}: the project is damaged (${what}); nothing was read from the damaged part or written. To recover: ${recoveryFor(table)}. 'unitscope project check ${file}' lists all damage`,
    { file },
  );
}
