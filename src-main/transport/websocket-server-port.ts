// The engine end of a WebSocket connection (serve mode), on the `ws` package.
import type { WebSocket } from 'ws';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../contract/protocol.ts';
import { isClientMessage } from '../contract/protocol.ts';

/** Non-finite numbers (NaN is common in results) do not survive JSON: send them as null. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

export function websocketServerPort(socket: WebSocket): MessagePortLike<ClientMessage, ServerMessage> {
  return {
    send(message) {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message, replacer));
    },
    onMessage(listener) {
      const handler = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        if (isBinary) return;
        let message: unknown;
        try {
          message = JSON.parse(String(data));
        } catch {
          return; // not ours: ignore rather than crash the engine
        }
        if (isClientMessage(message)) listener(message);
      };
      socket.on('message', handler);
      return () => socket.off('message', handler);
    },
    onClose(listener) {
      socket.on('close', listener);
      return () => socket.off('close', listener);
    },
  };
}
