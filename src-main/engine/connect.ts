// Wires an engine to a transport end. Used by serve mode (one per WebSocket), the Electron utility
// process (one per MessagePort) and in-process callers (CLI, tests).
import { api, type Api } from '../contract/index.ts';
import { createClient, type Client } from '../contract/client.ts';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../contract/protocol.ts';
import { createInMemoryPair } from '../transport/in-memory.ts';
import { serveContract, type Dispatcher } from './dispatch.ts';
import type { Engine } from './engine.ts';
import { createHandlers } from './handlers/index.ts';

export function serveEngine(engine: Engine, port: MessagePortLike<ClientMessage, ServerMessage>): Dispatcher {
  const dispatcher = serveContract(api, createHandlers(engine), port);
  const offJobs = engine.jobs.onChange((job, state) => dispatcher.emit('job.changed', { job, state }));
  return {
    emit: dispatcher.emit,
    dispose() {
      offJobs();
      dispatcher.dispose();
    },
  };
}

/** An in-process client of `engine` that still goes through the contract (schemas, plain-data errors). */
export function connectInProcess(engine: Engine): Client<Api> & { disconnect(): void } {
  const pair = createInMemoryPair();
  const dispatcher = serveEngine(engine, pair.server);
  const client = createClient<Api>(pair.client);
  return {
    ...client,
    disconnect() {
      client.close();
      dispatcher.dispose();
      pair.close();
    },
  };
}
