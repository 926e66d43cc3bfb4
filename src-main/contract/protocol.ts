// The wire protocol shared by every transport (in-memory, WebSocket, Electron MessagePort).
// Messages are plain JSON-compatible data so that they survive structured clone and JSON alike.

/** Plain-data error that crosses the boundary. `kind` is what callers branch on. */
export type ErrorKind =
  | 'validation' // arguments did not match the method's schema
  | 'not_found' // a project, run, model or file does not exist
  | 'bad_input' // a file exists but is not what it should be (corrupt image, malformed model, ...)
  | 'conflict' // the operation clashes with current state (name taken, project locked, ...)
  | 'unsupported' // a newer project schema, an unsupported operator, ...
  | 'cancelled' // the caller aborted the call
  | 'io' // the disk said no (full, permissions)
  | 'unknown_method'
  | 'internal';

export interface EngineErrorData {
  kind: ErrorKind;
  message: string;
  /** The file the error is about, when there is one. */
  file?: string;
  /** Per-field problems for validation errors. */
  issues?: { path: string; message: string }[];
}

/** Progress of a long call. `done`/`total` are in `unit`s (images, bytes, units...). */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  unit?: string;
  /** Items per second over the recent window. */
  rate?: number;
  etaSeconds?: number;
  message?: string;
}

export type ClientMessage =
  | { type: 'call'; id: number; method: string; args: unknown }
  | { type: 'cancel'; id: number };

export type ServerMessage =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: EngineErrorData }
  | { type: 'progress'; id: number; progress: Progress };

/**
 * One end of a bidirectional message channel. Every transport adapts to this, so the dispatcher and the
 * client never know which transport they are on.
 */
export interface MessagePortLike<In, Out> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): () => void;
  onClose(listener: () => void): () => void;
}

export function isClientMessage(value: unknown): value is ClientMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'number') return false;
  return (v.type === 'call' && typeof v.method === 'string') || v.type === 'cancel';
}

export function isServerMessage(value: unknown): value is ServerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.type === 'result' || v.type === 'error' || v.type === 'progress';
}
