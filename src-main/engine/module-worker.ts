// Worker threads that run one of the engine's own TypeScript modules, for CPU-bound stages that should
// use every core (phase scrambling, the statistics of a run's layers). The module is loaded the way the
// engine itself is: from the sources through tsx (the CLI, serve mode, vitest), or, in the bundled
// desktop app, as the JavaScript file electron-vite emits for it (an entry of electron.vite.config.ts
// with the module's base name). The bootstrap is plain CommonJS evaluated from a string, so it needs no
// file of its own (as inference/ort-worker.ts does).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';

const BOOTSTRAP = `
const load = module.require.bind(module);
const { workerData } = load('node:worker_threads');
const start = workerData.__tsx ? import(workerData.__tsx).then((tsx) => tsx.tsImport(workerData.__entry, workerData.__entry)) : import(workerData.__entry);
start.catch((error) => { setImmediate(() => { throw error; }); });
`;

/** tsx's ESM entry (its CommonJS twin resolves its loader relative to the wrong folder when imported);
 * looked up only when running from the sources, so a bundle does not need tsx. */
function tsxApi(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/** Cores to spread work over: all of them (the callers keep one task per worker in flight). */
export function workerCount(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Starts a worker running `entry` (new URL('./x-worker.ts', import.meta.url) in the caller). In a
 * bundle the .ts file is gone and x-worker.js, emitted beside the main chunks, runs instead.
 */
export function startModuleWorker(entry: URL): Worker {
  const path = fileURLToPath(entry);
  if (existsSync(path) && path.endsWith('.ts')) {
    return new Worker(BOOTSTRAP, { eval: true, workerData: { __tsx: tsxApi(), __entry: entry.href } });
  }
  const name = path.replace(/^.*[\\/]/, '').replace(/\.ts$/, '.js');
  const bundled = [new URL(`./${name}`, entry), new URL(`../${name}`, entry)].find((u) => existsSync(fileURLToPath(u)));
  if (!bundled) throw new Error(`worker module ${path} is missing (and no bundled ${name} beside it)`);
  return new Worker(BOOTSTRAP, { eval: true, workerData: { __entry: bundled.href } });
}

interface TaskMessage<Req> {
  id: number;
  request: Req;
}

type ReplyMessage<Res> = { id: number; result: Res } | { id: number; error: string };

type Answer<Res> = { result: Res; transfer?: ArrayBuffer[] };

/** The worker side: answers each task with `handle`, its result's buffers moved back without copying. */
export function serveTasks<Req, Res>(port: MessagePort, handle: (request: Req) => Answer<Res> | Promise<Answer<Res>>): void {
  port.on('message', async (message: TaskMessage<Req>) => {
    try {
      const { result, transfer } = await handle(message.request);
      port.postMessage({ id: message.id, result } satisfies ReplyMessage<Res>, transfer ?? []);
    } catch (error) {
      port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies ReplyMessage<Res>);
    }
  });
}

/** A task's own failure (what the worker's handler threw), as opposed to a worker that died. */
export class WorkerTaskError extends Error {
  override name = 'WorkerTaskError';
}

/**
 * A fixed set of workers running one module (see serveTasks), each given one task at a time; tasks
 * wait in order for the next free worker. A worker that dies fails its task and every later one (the
 * caller's job fails with the reason instead of hanging). Workers start on the first task.
 */
export class WorkerPool<Req, Res> {
  private readonly idle: Worker[] = [];
  private readonly queue: { request: Req; transfer: ArrayBuffer[]; resolve: (r: Res) => void; reject: (e: Error) => void }[] = [];
  private readonly busy = new Map<Worker, { id: number; resolve: (r: Res) => void; reject: (e: Error) => void }>();
  private workers: Worker[] = [];
  private failure: Error | null = null;
  private nextId = 0;

  constructor(
    private readonly entry: URL,
    readonly size = workerCount(),
  ) {}

  run(request: Req, transfer: ArrayBuffer[] = []): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) this.start();
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, transfer, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.idle.length = 0;
    this.failure ??= new Error('the worker pool was closed');
    for (const task of this.queue.splice(0)) task.reject(this.failure);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = startModuleWorker(this.entry);
      worker.on('message', (reply: ReplyMessage<Res>) => {
        const task = this.busy.get(worker);
        if (!task || task.id !== reply.id) return;
        this.busy.delete(worker);
        this.idle.push(worker);
        if ('error' in reply) task.reject(new WorkerTaskError(reply.error));
        else task.resolve(reply.result);
        this.dispatch();
      });
      const fail = (error: Error) => {
        this.failure ??= error;
        this.busy.get(worker)?.reject(error);
        this.busy.delete(worker);
        for (const task of this.queue.splice(0)) task.reject(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (this.workers.includes(worker)) fail(new Error(`a worker of ${fileURLToPath(this.entry)} exited (code ${code})`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      this.busy.set(worker, { id, resolve: task.resolve, reject: task.reject });
      worker.postMessage({ id, request: task.request } satisfies TaskMessage<Req>, task.transfer);
    }
  }
}
