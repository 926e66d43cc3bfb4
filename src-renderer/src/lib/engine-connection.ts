// Connects the renderer to the engine: a MessagePort in the desktop app (handed over by the preload),
// a WebSocket to the serving process in a browser (the session cookie carries the token).
import { createClient, type Client } from '../../../src-main/contract/client.ts';
import type { Api } from '../../../src-main/contract/index.ts';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../../../src-main/contract/protocol.ts';
import { isServerMessage } from '../../../src-main/contract/protocol.ts';
import { websocketClientPort } from '../../../src-main/contract/websocket-port.ts';

export type EngineClient = Client<Api>;

interface DesktopBridge {
  platform: string;
}

export function isDesktop(): boolean {
  return typeof (window as unknown as { unitscopeDesktop?: DesktopBridge }).unitscopeDesktop === 'object';
}

function messagePortAdapter(port: MessagePort): MessagePortLike<ServerMessage, ClientMessage> {
  const closeListeners = new Set<() => void>();
  port.start();
  return {
    send: (message) => port.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent) => {
        if (isServerMessage(event.data)) listener(event.data);
      };
      port.addEventListener('message', handler);
      return () => port.removeEventListener('message', handler);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
}

function connectDesktop(): Promise<EngineClient> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window || event.data !== 'unitscope-engine-port' || !event.ports[0]) return;
      window.removeEventListener('message', onMessage);
      resolve(createClient<Api>(messagePortAdapter(event.ports[0])));
    };
    window.addEventListener('message', onMessage);
  });
}

function connectWebSocket(): Promise<EngineClient> {
  const url = new URL('/api', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(window.location.search).get('token');
  if (token) {
    url.searchParams.set('token', token);
    // The session cookie carries the token from here on: take it out of the address bar and the history,
    // where it could be shared by copying the URL or read back later.
    const clean = new URL(window.location.href);
    clean.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', clean);
  }
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(createClient<Api>(websocketClientPort(socket))), { once: true });
    socket.addEventListener('error', () => reject(new Error('cannot reach the Unitscope engine')), { once: true });
  });
}

export function connectEngine(): Promise<EngineClient> {
  return isDesktop() ? connectDesktop() : connectWebSocket();
}
