// The contract over both transports the engine runs on outside Electron: a round trip, a validation
// failure, an engine error and a cancellation, each over in-memory and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { api, method, type Api, type HandlerMap } from '../../src-main/contract/index.ts';
import { createClient, EngineCallError, type Client } from '../../src-main/contract/client.ts';
import { websocketClientPort } from '../../src-main/contract/websocket-port.ts';
import { serveContract } from '../../src-main/engine/dispatch.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { createInMemoryPair } from '../../src-main/transport/in-memory.ts';
import { startServer, type RunningServer } from '../../src-main/serve/http-server.ts';
import { EngineError } from '../../src-main/engine/errors.ts';
import { JobRunner } from '../../src-main/engine/jobs/job-runner.ts';

// A contract of one long call, to test cancellation independently of any real job.
const waitContract = {
  'test.wait': method<{ finished: boolean }>()(z.object({ ms: z.number() }), { long: true }),
};
const waitHandlers = {
  'test.wait': ({ ms }, { signal, progress }) =>
    new Promise((resolve, reject) => {
      progress({ phase: 'waiting', done: 0, total: 1 });
      const timer = setTimeout(() => resolve({ finished: true }), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new EngineError('cancelled', 'test.wait was cancelled'));
      });
    }),
} satisfies HandlerMap<typeof waitContract>;

const dir = mkdtempSync(join(tmpdir(), 'unitscope-contract-'));
const notAProject = join(dir, 'notes.unitscope'); // a text file named like a project
writeFileSync(notAProject, 'hello');

type Transport = { name: string; client: () => Promise<Client<Api>>; waitClient: () => Promise<Client<typeof waitContract>> };

let server: RunningServer;
const engine = new Engine();
const sockets: WebSocket[] = [];

async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  sockets.push(socket);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

beforeAll(async () => {
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ engine, staticDir });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await server.close();
  engine.close();
});

const transports: Transport[] = [
  {
    name: 'in-memory',
    client: async () => connectInProcess(engine),
    waitClient: async () => {
      const pair = createInMemoryPair();
      serveContract(waitContract, waitHandlers, pair.server, new JobRunner());
      return createClient<typeof waitContract>(pair.client);
    },
  },
  {
    name: 'websocket',
    client: async () => createClient<Api>(websocketClientPort(await openSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`))),
    waitClient: async () => {
      // A second WebSocket server end, dispatching the wait contract, over a real socket pair.
      const { WebSocketServer } = await import('ws');
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await new Promise((r) => wss.once('listening', r));
      const { websocketServerPort } = await import('../../src-main/transport/websocket-server-port.ts');
      wss.on('connection', (ws) => serveContract(waitContract, waitHandlers, websocketServerPort(ws), new JobRunner()));
      const port = (wss.address() as { port: number }).port;
      afterAll(() => new Promise<void>((r) => wss.close(() => r())));
      return createClient<typeof waitContract>(websocketClientPort(await openSocket(`ws://127.0.0.1:${port}`)));
    },
  },
];

describe.each(transports)('contract over $name', (transport) => {
  it('round-trips a call: create a project, then read it back', async () => {
    const client = await transport.client();
    const path = join(dir, `${transport.name}.unitscope`);
    const created = await client.call('project.create', { path, name: 'Round trip' });
    expect(created.name).toBe('Round trip');
    const info = await client.call('project.info', { path });
    expect(info).toMatchObject({ path, name: 'Round trip', imageCount: 0, runs: [] });
    expect(info.schemaVersion).toBeGreaterThan(0);
  });

  it('rejects arguments that fail the schema with a validation error naming the field', async () => {
    const client = await transport.client();
    const error = await client.call('project.info', { path: 42 } as unknown as { path: string }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as EngineCallError).kind).toBe('validation');
    expect((error as EngineCallError).data.issues?.[0]?.path).toBe('path');
  });

  it('turns an engine error into plain data with its kind and file', async () => {
    const client = await transport.client();
    const error = (await client.call('project.info', { path: notAProject }).catch((e: unknown) => e)) as EngineCallError;
    expect(error).toBeInstanceOf(EngineCallError);
    expect(error.kind).toBe('bad_input');
    expect(error.data.file).toBe(notAProject);
    expect(error.message).toContain('not a Unitscope project');
  });

  it('answers an unknown method with unknown_method', async () => {
    const client = await transport.client();
    const call = client.call as unknown as (m: string, a: unknown) => Promise<unknown>;
    const error = (await call('nope.never', {}).catch((e: unknown) => e)) as EngineCallError;
    expect(error.kind).toBe('unknown_method');
  });

  it('cancels a long call: progress arrives, then abort rejects with cancelled well before it would finish', async () => {
    const client = await transport.waitClient();
    const controller = new AbortController();
    const started = Date.now();
    const call = client.call('test.wait', { ms: 30_000 }, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const error = (await call.catch((e: unknown) => e)) as EngineCallError;
    expect(error).toBeInstanceOf(EngineCallError);
    expect(error.kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('contract declaration', () => {
  it('declares every method as domain.verb with an argument schema', () => {
    for (const [name, spec] of Object.entries(api)) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(typeof spec.args.safeParse).toBe('function');
    }
  });
});
