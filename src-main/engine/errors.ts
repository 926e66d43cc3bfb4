// Errors the engine throws on purpose carry a kind and, where there is one, the file they are about.
// Anything else is mapped to plain data at the boundary so that no stack or class crosses it.
import type { EngineErrorData, ErrorKind } from '../contract/protocol.ts';

export class EngineError extends Error {
  readonly kind: ErrorKind;
  readonly file: string | undefined;
  constructor(kind: ErrorKind, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.kind = kind;
    this.file = options.file;
  }
}

/** A value echoed in a message: quoted, control characters escaped, cut short so a huge value stays a short line. */
export function quoted(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}...` : value;
  return JSON.stringify(cut);
}

export function cancelledError(what: string): EngineError {
  return new EngineError('cancelled', `${what} was cancelled`);
}

/** Throws a cancellation error when the signal has been aborted. Call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'the operation'): void {
  if (signal?.aborted) throw cancelledError(what);
}

/** What the call was about, for errors that do not say (SQLite's and the runtime's name no file). */
export interface ErrorContext {
  /** The project (or other file) the call works on. */
  file?: string | undefined;
}

/** Messages and file names cross the boundary cut to these lengths: an error never echoes a huge input. */
const MAX_MESSAGE_CHARS = 2000;
const MAX_FILE_CHARS = 4200;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length - max} more characters)` : text;
}

/** `data` with its message, file and issues cut to a bounded size. */
export function boundedErrorData(data: EngineErrorData): EngineErrorData {
  return {
    ...data,
    message: cut(data.message, MAX_MESSAGE_CHARS),
    ...(data.file !== undefined ? { file: cut(data.file, MAX_FILE_CHARS) } : {}),
    ...(data.issues ? { issues: data.issues.slice(0, 50).map((i) => ({ path: cut(i.path, 200), message: cut(i.message, 500) })) } : {}),
  };
}

/** Plain data for any error: EngineErrors as they are, everything else explained (see `explainFailure`). */
export function toErrorData(error: unknown, context: ErrorContext = {}): EngineErrorData {
  if (error instanceof EngineError) return boundedErrorData({ kind: error.kind, message: error.message, ...(error.file ? { file: error.file } : {}) });
  return boundedErrorData(explainFailure(error, context));
}

/** A failure explained: what happened to which file, and the way out. */
interface Failure {
  kind: ErrorKind;
  /** What happened, in the user's terms (the native message follows in parentheses). */
  what: string;
  /** What the user can do about it. */
  wayOut: string;
}

// The ways back from a damaged project, by what was damaged (docs/storage.md "Damage and recovery"): one
// wording for SQLite's own "database disk image is malformed" (below) and the refusals of the checksums
// and the open-time check (storage/damage.ts).
const WAL_AND_EXPORTS =
  'if a -wal file sits beside the project, copy the project together with its -wal and -shm files before anything else opens it (they may hold the last good pages); restore the file from a backup; results exported before are in their export folders (manifest.json)';

/** How to get damaged data back, by the table it was in (null: the file, or not known). */
export function recoveryFor(table: string | null): string {
  if (table === 'unit_columns' || table === 'layer_results' || table === 'run_aggregates') {
    return `${WAL_AND_EXPORTS}; or compute the results again from the stored statistics with 'unitscope reanalyze PROJECT --run ID'`;
  }
  if (table === 'layer_stats' || table === 'layer_stat_chunks' || table === 'run_checkpoints') return `${WAL_AND_EXPORTS}; or make the run again with 'unitscope run' (the statistics come from the model and the images)`;
  if (table === 'run_bootstraps') return `${WAL_AND_EXPORTS}; or compute the bootstrap again (it is recomputed on demand)`;
  return WAL_AND_EXPORTS;
}

const DAMAGED: Failure = {
  kind: 'bad_input',
  what: 'the file is damaged',
  wayOut: `nothing more was written to it. To recover: ${recoveryFor(null)}`,
};
const READ_ONLY: Failure = {
  kind: 'io',
  what: 'the file or its folder is read-only',
  wayOut: 'reading works; to change it, make the file and its folder writable or work on a copy',
};
const DISK_FULL: Failure = { kind: 'io', what: 'the disk is full', wayOut: 'free space on that disk and try again' };
const NO_PERMISSION: Failure = { kind: 'io', what: 'permission denied', wayOut: 'check the permissions of the file and its folder' };
const VALUE_TOO_BIG: Failure = {
  kind: 'unsupported',
  what: "a value is larger than SQLite stores in one piece (1 GB)",
  wayOut: 'analyse fewer or smaller layers (model layers shows the units per tap)',
};
const ARRAY_TOO_BIG: Failure = {
  kind: 'unsupported',
  what: 'the data needs a larger array than JavaScript can allocate',
  wayOut: 'analyse fewer or smaller layers, or fewer categories at once',
};

/** Error codes and messages of SQLite (better-sqlite3), Node's file system and V8, and what each means here. */
function classify(error: Error): Failure | null {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error.message;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || /database disk image is malformed|file is not a database/i.test(message)) return DAMAGED;
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || /attempt to write a readonly database/i.test(message)) return READ_ONLY;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return DISK_FULL;
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) return NO_PERMISSION;
  if (code === 'SQLITE_TOOBIG' || /bound string, buffer, or bigint is too big|string or blob too big/i.test(message)) return VALUE_TOO_BIG;
  if (error instanceof RangeError && /Invalid typed array length|Array buffer allocation failed|Invalid array length/i.test(message)) return ARRAY_TOO_BIG;
  return null;
}

function explainFailure(error: unknown, context: ErrorContext): EngineErrorData {
  if (!(error instanceof Error)) return { kind: 'internal', message: String(error) };
  if (error.name === 'AbortError') return { kind: 'cancelled', message: error.message };
  const errno = error as NodeJS.ErrnoException;
  const file = errno.path ?? context.file;
  const where = file ? { file } : {};
  if (errno.code === 'ENOENT') return { kind: 'not_found', message: file ? `${file}: no such file or folder` : error.message, ...where };
  const failure = classify(error);
  if (!failure) return { kind: 'internal', message: error.message, ...where };
  return { kind: failure.kind, message: `${file ? `${file}: ` : ''}${failure.what} (${error.message}); ${failure.wayOut}`, ...where };
}

/**
 * `error` as an EngineError about `file`, explained as the boundary would (an EngineError stays as it is):
 * for failures caught where the file is known and the native error names none (a full disk mid-write).
 */
export function aboutFile(error: unknown, file: string, doing: string): EngineError {
  if (error instanceof EngineError) return error;
  const data = explainFailure(error, { file });
  const named = data.file ?? file; // the native error's own path, when it has one
  const detail = data.message.startsWith(`${named}: `) ? data.message.slice(named.length + 2) : data.message;
  return new EngineError(data.kind, `${file}: ${doing}: ${detail}`, { file, cause: error });
}
