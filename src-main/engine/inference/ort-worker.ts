// An ORT session owned by a worker thread. onnxruntime-node's `session.run` is a synchronous native call
// behind a promise (dist/backend.js: setImmediate, then the blocking run), so on the main thread it blocks
// the event loop for the whole inference and nothing else can happen meanwhile. In a worker, the main
// thread stays free to preprocess the next batch and reduce the previous one while the runtime works.
// The worker is the only ORT owner of its model; tensors cross by transfer (outputs) or copy (inputs).
//
// The worker's code is plain CommonJS evaluated from a string, so it loads the same way under tsx, vitest
// and a bundled Electron main (no second entry file to resolve), and it requires onnxruntime-node by the
// path the main thread resolved.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { sessionOptions, type ConcreteProvider, type SessionFactory, type SessionLike, type TensorLike } from './session.ts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
const toTensors = (list) => Object.fromEntries(list.map((t) => [t.name, new ort.Tensor(t.type, t.data, t.dims)]));
const message = (error) => (error instanceof Error ? error.message : String(error));
parentPort.on('message', async (msg) => {
  try {
    if (msg.kind === 'open') {
      session = await ort.InferenceSession.create(msg.model, msg.options);
      parentPort.postMessage({ id: msg.id, inputNames: session.inputNames, outputNames: session.outputNames });
    } else if (msg.kind === 'run') {
      const feeds = toTensors(msg.feeds);
      const out = await session.run(feeds);
      const outputs = [];
      const transfer = [];
      for (const [name, t] of Object.entries(out)) {
        outputs.push({ name, type: t.type, data: t.data, dims: t.dims });
        if (!transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
      }
      parentPort.postMessage({ id: msg.id, outputs }, transfer);
    } else if (msg.kind === 'release') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: msg.id });
    }
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: message(error) });
  }
});
`;

interface WireTensor {
  name: string;
  type: string;
  data: ArrayBufferView;
  dims: readonly number[];
}

interface Reply {
  id: number;
  error?: string;
  inputNames?: string[];
  outputNames?: string[];
  outputs?: WireTensor[];
}

const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');

function toWire(tensors: Record<string, ort.Tensor>): WireTensor[] {
  return Object.entries(tensors).map(([name, t]) => ({ name, type: t.type, data: t.data as ArrayBufferView, dims: t.dims }));
}

/** One request at a time or several queued: replies come back in order, matched by id. */
class WorkerSession implements SessionLike {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  inputNames: readonly string[] = [];
  outputNames: readonly string[] = [];

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply);
    });
    const fail = (error: Error) => {
      this.dead = error;
      for (const w of this.pending.values()) w.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`the inference worker exited (code ${code})`)));
  }

  request(message: Record<string, unknown>): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Inputs are copied to the worker; outputs come back by transfer (no copy). */
  async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, TensorLike>> {
    const reply = await this.request({ kind: 'run', feeds: toWire(feeds) });
    return Object.fromEntries(reply.outputs!.map((t) => [t.name, { data: t.data, dims: t.dims, type: t.type }]));
  }

  async release(): Promise<void> {
    try {
      if (!this.dead) await this.request({ kind: 'release' });
    } finally {
      this.dead ??= new Error('the session was released');
      await this.worker.terminate();
    }
  }
}

/** A factory opening each model in a new worker thread, with the session options `optionsFor` gives. */
export function createWorkerSessionFactory(optionsFor: (provider: ConcreteProvider) => ort.InferenceSession.SessionOptions = sessionOptions): SessionFactory {
  return (model, provider) => openInWorker(model, optionsFor(provider));
}

/** The engine's default: the same session options as the in-process factory. */
export const workerSessionFactory: SessionFactory = createWorkerSessionFactory();

async function openInWorker(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<SessionLike> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
  const session = new WorkerSession(worker);
  try {
    const reply = await session.request({ kind: 'open', model, options });
    session.inputNames = reply.inputNames!;
    session.outputNames = reply.outputNames!;
    return session;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
