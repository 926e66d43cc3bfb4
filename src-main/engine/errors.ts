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

const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', 'EROFS', 'EACCES', 'EPERM', 'SQLITE_READONLY', 'SQLITE_CANTOPEN']);

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

export function toErrorData(error: unknown): EngineErrorData {
  return boundedErrorData(unboundedErrorData(error));
}

function unboundedErrorData(error: unknown): EngineErrorData {
  if (error instanceof EngineError) {
    return { kind: error.kind, message: error.message, ...(error.file ? { file: error.file } : {}) };
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error.name === 'AbortError') return { kind: 'cancelled', message: error.message };
    if (code === 'ENOENT') {
      const path = (error as NodeJS.ErrnoException).path;
      return { kind: 'not_found', message: error.message, ...(path ? { file: path } : {}) };
    }
    if (code !== undefined && DISK_CODES.has(code)) {
      const path = (error as NodeJS.ErrnoException).path;
      const reason = code === 'ENOSPC' || code === 'SQLITE_FULL' ? 'the disk is full' : error.message;
      return { kind: 'io', message: reason, ...(path ? { file: path } : {}) };
    }
    return { kind: 'internal', message: error.message };
  }
  return { kind: 'internal', message: String(error) };
}
