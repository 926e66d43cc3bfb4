// Wires an engine to a transport end. Used by serve mode (one per WebSocket), the Electron utility
// process (one per MessagePort) and in-process callers (CLI, tests).
import { api, type Api, type ApiMethod, type CallContext } from '../contract/index.ts';
import { createClient, type Client } from '../contract/client.ts';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../contract/protocol.ts';
import { createInMemoryPair } from '../transport/in-memory.ts';
import { serveContract, type Dispatcher } from './dispatch.ts';
import type { Engine } from './engine.ts';
import { createHandlers } from './handlers/index.ts';
import type { EngineHandlers } from './handlers/types.ts';

/**
 * In serve mode every path argument (found by its contract type) must lie under the shared folders
 * before a handler sees it; the handler gets the resolved locations.
 */
function confinedHandlers(engine: Engine, handlers: EngineHandlers): EngineHandlers {
  const wrapped: Record<string, (args: unknown, ctx: CallContext) => Promise<unknown>> = {};
  for (const [name, handler] of Object.entries(handlers) as [ApiMethod, (args: unknown, ctx: CallContext) => Promise<unknown>][]) {
    wrapped[name] = async (args, ctx) => handler(await engine.confinement.confineArguments(api[name].args, args), ctx);
  }
  return wrapped as EngineHandlers;
}

export function serveEngine(engine: Engine, port: MessagePortLike<ClientMessage, ServerMessage>): Dispatcher {
  const handlers = createHandlers(engine);
  return serveContract(api, engine.session.mode === 'serve' ? confinedHandlers(engine, handlers) : handlers, port, engine.jobs);
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
