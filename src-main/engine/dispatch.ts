// The receiving side of the contract: parses every call's arguments with its schema, runs the handler
// with an AbortSignal and a progress callback, and answers with plain data. Transport-agnostic. The
// contract's `long` flag decides the rest: only long calls report progress, and each runs as a job of
// `jobs` (listed, cancellable by id, followable from any connection) unless it is declared job: false.
import type { CallContext, Contract, HandlerMap } from '../contract/define.ts';
import type { ClientMessage, MessagePortLike, Progress, ServerMessage } from '../contract/protocol.ts';
import { isClientMessage } from '../contract/protocol.ts';
import { boundedErrorData, quoted, toErrorData } from './errors.ts';
import { describeCall, type JobRunner } from './jobs/job-runner.ts';

/** Progress messages are throttled so a fast job cannot flood a slow transport. */
const PROGRESS_INTERVAL_MS = 100;
/** Calls one connection may have running at once; more are refused rather than queued without end. */
const MAX_CALLS_IN_FLIGHT = 256;

export interface Dispatcher {
  dispose(): void;
}

const noProgress = () => {};

/** The project a call works on (its `path` argument): errors that name no file are about it. */
function projectOf(args: unknown): string | undefined {
  const path = typeof args === 'object' && args !== null ? (args as { path?: unknown }).path : undefined;
  return typeof path === 'string' ? path : undefined;
}

export function serveContract<C extends Contract>(
  contract: C,
  handlers: HandlerMap<C>,
  port: MessagePortLike<ClientMessage, ServerMessage>,
  jobs: Pick<JobRunner, 'run'>,
): Dispatcher {
  /**
   * Calls in flight on this connection. Jobs outlive it: a reloaded tab or a dropped SSH tunnel must not
   * end hours of extraction, so when the connection closes only the other calls are aborted (following a
   * job among them); a job runs on in the engine, listed, followed and cancelled from any connection.
   */
  const inFlight = new Map<number, { controller: AbortController; outlives: boolean }>();
  const endConnection = () => {
    for (const call of inFlight.values()) if (!call.outlives) call.controller.abort();
    inFlight.clear();
  };

  const handleCall = async (id: number, name: string, rawArgs: unknown): Promise<void> => {
    const spec = Object.hasOwn(contract, name) ? contract[name] : undefined;
    const handler = spec ? (handlers as Record<string, (a: unknown, c: CallContext) => Promise<unknown>>)[name] : undefined;
    if (!spec || !handler) {
      port.send({ type: 'error', id, error: { kind: 'unknown_method', message: `unknown method: ${quoted(name)}` } });
      return;
    }
    if (inFlight.size >= MAX_CALLS_IN_FLIGHT) {
      port.send({ type: 'error', id, error: { kind: 'conflict', message: `too many calls at once (${MAX_CALLS_IN_FLIGHT}); wait for some to finish` } });
      return;
    }
    const parsed = spec.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
      const summary = issues.slice(0, 10).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
      port.send({ type: 'error', id, error: boundedErrorData({ kind: 'validation', message: `invalid arguments for ${name}: ${summary}`, issues }) });
      return;
    }
    const controller = new AbortController();
    inFlight.set(id, { controller, outlives: spec.job });
    let lastProgressAt = 0;
    const progress = (p: Progress) => {
      const now = Date.now();
      if (p.done < p.total && now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
      lastProgressAt = now;
      port.send({ type: 'progress', id, progress: p });
    };
    try {
      const ctx: CallContext = { signal: controller.signal, progress: spec.long ? progress : noProgress };
      const result = await (spec.job ? jobs.run(describeCall(name, parsed.data), (job) => handler(parsed.data, job), ctx) : handler(parsed.data, ctx));
      port.send({ type: 'result', id, result });
    } catch (error) {
      port.send({ type: 'error', id, error: toErrorData(error, { file: projectOf(parsed.data) }) });
    } finally {
      inFlight.delete(id);
    }
  };

  const offMessage = port.onMessage((message) => {
    if (!isClientMessage(message)) return;
    if (message.type === 'cancel') {
      inFlight.get(message.id)?.controller.abort();
      return;
    }
    // Nothing a call does may escape as an unhandled rejection (that would end the process).
    handleCall(message.id, message.method, message.args).catch((error: unknown) => {
      try {
        port.send({ type: 'error', id: message.id, error: toErrorData(error) });
      } catch {
        // the connection cannot take even the error: it is closing
      }
    });
  });
  const offClose = port.onClose(endConnection);

  return {
    dispose() {
      offMessage();
      offClose();
      endConnection();
    },
  };
}
