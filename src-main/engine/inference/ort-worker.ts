// An ORT session owned by a worker thread. onnxruntime-node's `session.run` is a synchronous native call
// behind a promise (dist/backend.js: setImmediate, then the blocking run), so on the main thread it blocks
// the event loop for the whole inference and nothing else can happen meanwhile. In a worker, the main
// thread stays free to preprocess the next batch and reduce the previous one while the runtime works.
// The worker is the only ORT owner of its model; inputs cross by copy, outputs by transfer or through
// shared slots (WorkerSessionOptions.outputSlots).
//
// The worker's code is plain CommonJS evaluated from a string, so it loads the same way under tsx, vitest
// and a bundled Electron main (no second entry file to resolve), and it requires onnxruntime-node by the
// path the main thread resolved.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { checkProviderMayLoad } from './provider-precheck.ts';
import { sessionOptions, type ConcreteProvider, type SessionFactory, type SessionLike, type TensorLike } from './session.ts';

// \`load\` rather than a literal require call: electron-vite's bundler sees that text as CommonJS syntax
// and injects a shim after what it takes for the last import, which can land inside a string literal.
const WORKER_SOURCE = `
const load = module.require.bind(module);
const { parentPort, workerData } = load('node:worker_threads');
const ort = load(workerData.ortPath);
let session = null;
const slots = new Map();
let next = 0;
const toTensors = (list) => Object.fromEntries(list.map((t) => [t.name, new ort.Tensor(t.type, t.data, t.dims)]));
const message = (error) => (error instanceof Error ? error.message : String(error));
parentPort.on('message', async (msg) => {
  try {
    if (msg.kind === 'open') {
      session = await ort.InferenceSession.create(msg.model, msg.options);
      // Slots for the outputs whose sizes are known, written through once so their pages are mapped now,
      // with the session's other one-off costs, rather than one page fault at a time during the first runs.
      for (let slot = 0; slot < workerData.slots; slot++) {
        for (const [name, bytes] of Object.entries(msg.slotBytes)) {
          const shared = new SharedArrayBuffer(bytes);
          new Uint8Array(shared).fill(0);
          slots.set(slot + '/' + name, { shared, sent: false });
        }
      }
      parentPort.postMessage({ id: msg.id, inputNames: session.inputNames, outputNames: session.outputNames });
    } else if (msg.kind === 'run') {
      const feeds = toTensors(msg.feeds);
      const out = await session.run(feeds);
      const outputs = [];
      const transfer = [];
      const slot = workerData.slots > 0 ? next++ % workerData.slots : -1;
      for (const [name, t] of Object.entries(out)) {
        if (slot < 0) {
          outputs.push({ name, type: t.type, data: t.data, dims: t.dims });
          if (!transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
          continue;
        }
        // Copied into this slot's shared buffer; a buffer is sent once, later runs name the slot only.
        const key = slot + '/' + name;
        let entry = slots.get(key);
        if (!entry || entry.shared.byteLength < t.data.byteLength) slots.set(key, (entry = { shared: new SharedArrayBuffer(t.data.byteLength), sent: false }));
        new Uint8Array(entry.shared).set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        outputs.push({ name, type: t.type, slot, length: t.data.length, dims: t.dims, ...(entry.sent ? {} : { shared: entry.shared }) });
        entry.sent = true;
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

/** An output copied into a shared slot: `shared` comes with the slot's first use, then stays cached here. */
interface SlotTensor {
  name: string;
  type: string;
  slot: number;
  length: number;
  dims: readonly number[];
  shared?: SharedArrayBuffer;
}

const ARRAYS: Record<string, new (buffer: SharedArrayBuffer, offset: number, length: number) => ArrayBufferView> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

interface Reply {
  id: number;
  error?: string;
  inputNames?: string[];
  outputNames?: string[];
  outputs?: Array<WireTensor | SlotTensor>;
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
  private readonly shared = new Map<string, SharedArrayBuffer>();
  inputNames: readonly string[] = [];
  outputNames: readonly string[] = [];

  constructor(
    private readonly worker: Worker,
    readonly outputSlots: number | undefined,
  ) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply);
    });
    const fail = (error: Error) => {
      this.dead ??= error;
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

  /** Inputs are copied to the worker; outputs come back by transfer, or in shared slots (see the factory). */
  async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, TensorLike>> {
    const reply = await this.request({ kind: 'run', feeds: toWire(feeds) });
    return Object.fromEntries(reply.outputs!.map((t) => [t.name, { data: 'slot' in t ? this.slotView(t) : t.data, dims: t.dims, type: t.type }]));
  }

  private slotView(t: SlotTensor): ArrayBufferView {
    const key = `${t.slot}/${t.name}`;
    if (t.shared) this.shared.set(key, t.shared);
    const array = ARRAYS[t.type];
    if (!array) throw new Error(`output '${t.name}' has type ${t.type}, which shared slots do not carry`);
    return new array(this.shared.get(key)!, 0, t.length);
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

export interface WorkerSessionOptions {
  /**
   * 0: outputs are transferred (each run's own buffers). n > 0: outputs are copied into n shared slots used
   * in turn, so a run's outputs stay valid until n more runs have returned, and no new buffers reach this
   * thread (the extraction's 22 MB of taps per image otherwise cost the main thread a major GC every few images).
   */
  outputSlots?: number;
  /** Bytes per output, where known in advance: its slots are allocated and mapped when the session opens. */
  slotBytes?: Readonly<Record<string, number>>;
  optionsFor?: (provider: ConcreteProvider) => ort.InferenceSession.SessionOptions;
}

/** A factory opening each model in a new worker thread. */
export function createWorkerSessionFactory(options: WorkerSessionOptions = {}): SessionFactory {
  const optionsFor = options.optionsFor ?? sessionOptions;
  return async (model, provider) => {
    // As in-process: a provider whose files are missing is refused here, before ORT logs its native error.
    checkProviderMayLoad(provider);
    return openInWorker(model, optionsFor(provider), options.outputSlots ?? 0, options.slotBytes ?? {});
  };
}

/** Each run's outputs are its own: the same contract as the in-process factory. */
export const workerSessionFactory: SessionFactory = createWorkerSessionFactory();

async function openInWorker(model: Uint8Array, options: ort.InferenceSession.SessionOptions, slots: number, slotBytes: Readonly<Record<string, number>>): Promise<SessionLike> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath, slots } });
  const session = new WorkerSession(worker, slots > 0 ? slots : undefined);
  try {
    const reply = await session.request({ kind: 'open', model, options, slotBytes });
    session.inputNames = reply.inputNames!;
    session.outputNames = reply.outputNames!;
    return session;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
