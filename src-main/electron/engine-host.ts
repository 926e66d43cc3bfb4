// The engine in an Electron utility process. Electron main hands it one MessagePort per window; each
// port is served like a WebSocket in serve mode. No Electron import: `process.parentPort` is a global
// in utility processes.
import { Engine } from '../engine/engine.ts';
import { serveEngine } from '../engine/connect.ts';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../contract/protocol.ts';
import { isClientMessage } from '../contract/protocol.ts';

interface UtilityMessagePort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
}

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: UtilityMessagePort[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine-host must run in an Electron utility process');

const init = JSON.parse(process.env.UNITSCOPE_SESSION ?? '{}') as { initialProject?: string | null };
const engine = new Engine({ mode: 'desktop', initialProject: init.initialProject ?? null });

function adaptPort(port: UtilityMessagePort): MessagePortLike<ClientMessage, ServerMessage> {
  return {
    send: (message) => port.postMessage(message),
    onMessage(listener) {
      port.on('message', (event) => {
        if (isClientMessage(event.data)) listener(event.data);
      });
      return () => undefined;
    },
    onClose(listener) {
      port.on('close', listener);
      return () => undefined;
    },
  };
}

parentPort.on('message', (event) => {
  for (const port of event.ports) {
    const dispatcher = serveEngine(engine, adaptPort(port));
    port.on('close', () => dispatcher.dispose());
    port.start();
  }
});

process.on('exit', () => engine.close());
