// Adapts a standard WebSocket (the browser's, or the `ws` package's client, which has the same API)
// to the client end of the protocol. Browser-safe.
import type { ClientMessage, MessagePortLike, ServerMessage } from './protocol.ts';
import { isServerMessage } from './protocol.ts';

interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'close', listener: () => void): void;
}

const OPEN = 1;

export function websocketClientPort(socket: WebSocketLike): MessagePortLike<ServerMessage, ClientMessage> {
  return {
    send(message) {
      if (socket.readyState !== OPEN) throw new Error('the connection to the engine is closed');
      socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const handler = (event: { data: unknown }) => {
        if (typeof event.data !== 'string') return;
        const message: unknown = JSON.parse(event.data);
        if (isServerMessage(message)) listener(message);
      };
      socket.addEventListener('message', handler);
      return () => socket.removeEventListener('message', handler);
    },
    onClose(listener) {
      socket.addEventListener('close', listener);
      return () => socket.removeEventListener('close', listener);
    },
  };
}
