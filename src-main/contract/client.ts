// The calling side of the contract. Browser-safe (no Node imports): the renderer, the CLI and the tests
// all use it over whichever transport they have.
import type { Contract, ArgsOf, MethodName, ResultOf } from './define.ts';
import type { ClientMessage, EngineErrorData, MessagePortLike, Progress, ServerMessage } from './protocol.ts';

/** The error a client call rejects with: carries the engine's plain-data error. */
export class EngineCallError extends Error {
  readonly kind: EngineErrorData['kind'];
  readonly data: EngineErrorData;
  constructor(data: EngineErrorData) {
    super(data.message);
    this.name = 'EngineCallError';
    this.kind = data.kind;
    this.data = data;
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress?: (progress: Progress) => void;
}

export interface Client<C extends Contract> {
  call<M extends MethodName<C>>(method: M, args: ArgsOf<C, M>, options?: CallOptions): Promise<ResultOf<C, M>>;
  close(): void;
}

export function createClient<C extends Contract>(port: MessagePortLike<ServerMessage, ClientMessage>): Client<C> {
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const offMessage = port.onMessage((message) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    if (message.type === 'progress') {
      entry.onProgress?.(message.progress);
      return;
    }
    pending.delete(message.id);
    if (message.type === 'result') entry.resolve(message.result);
    else entry.reject(new EngineCallError(message.error));
  });

  const offClose = port.onClose(() => {
    for (const entry of pending.values()) {
      entry.reject(new EngineCallError({ kind: 'internal', message: 'the connection to the engine closed' }));
    }
    pending.clear();
  });

  return {
    call(methodName, args, options = {}) {
      const id = nextId++;
      const { signal, onProgress } = options;
      if (signal?.aborted) {
        return Promise.reject(new EngineCallError({ kind: 'cancelled', message: `${methodName} was cancelled` }));
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => port.send({ type: 'cancel', id });
        signal?.addEventListener('abort', onAbort, { once: true });
        const cleanup = () => signal?.removeEventListener('abort', onAbort);
        pending.set(id, {
          resolve: (value) => {
            cleanup();
            resolve(value as ResultOf<C, typeof methodName>);
          },
          reject: (error) => {
            cleanup();
            reject(error);
          },
          ...(onProgress ? { onProgress } : {}),
        });
        port.send({ type: 'call', id, method: methodName, args });
      });
    },
    close() {
      offMessage();
      offClose();
    },
  };
}
