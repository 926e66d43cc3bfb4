// Two connected ports in one process: the transport of tests. Messages are structured-cloned so that
// a test fails if anything non-serializable would cross a real boundary.
import type { ClientMessage, MessagePortLike, ServerMessage } from '../contract/protocol.ts';

type Listener<T> = (message: T) => void;

export function createInMemoryPair(): {
  client: MessagePortLike<ServerMessage, ClientMessage>;
  server: MessagePortLike<ClientMessage, ServerMessage>;
  close(): void;
} {
  const toServer = new Set<Listener<ClientMessage>>();
  const toClient = new Set<Listener<ServerMessage>>();
  const closeListeners = new Set<() => void>();
  let closed = false;
  const deliver = <T>(listeners: Set<Listener<T>>, message: T) => {
    if (closed) return;
    const copy = structuredClone(message);
    queueMicrotask(() => {
      for (const listener of listeners) listener(copy);
    });
  };
  const onClose = (listener: () => void) => {
    closeListeners.add(listener);
    return () => closeListeners.delete(listener);
  };
  return {
    client: {
      send: (message) => deliver(toServer, message),
      onMessage: (listener) => (toClient.add(listener), () => toClient.delete(listener)),
      onClose,
    },
    server: {
      send: (message) => deliver(toClient, message),
      onMessage: (listener) => (toServer.add(listener), () => toServer.delete(listener)),
      onClose,
    },
    close() {
      if (closed) return;
      closed = true;
      for (const listener of closeListeners) listener();
    },
  };
}
