// The engine end of a WebSocket connection (serve mode), on the `ws` package. Every frame gets an
// answer or a close: a message that is not the protocol's (binary, not JSON, not a call) closes the
// socket with the matching code rather than being dropped in silence.
import type { WebSocket } from 'ws';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../contract/protocol.ts';
import { isClientMessage } from '../contract/protocol.ts';

/** WebSocket close codes (RFC 6455 7.4.1). */
const UNSUPPORTED_DATA = 1003;
const POLICY_VIOLATION = 1008;

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
        if (isBinary) return socket.close(UNSUPPORTED_DATA, 'text frames only');
        let message: unknown;
        try {
          message = JSON.parse(String(data));
        } catch {
          return socket.close(POLICY_VIOLATION, 'not JSON');
        }
        if (!isClientMessage(message)) return socket.close(POLICY_VIOLATION, 'not a Unitscope call');
        listener(message);
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
