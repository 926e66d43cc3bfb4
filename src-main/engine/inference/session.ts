// ORT sessions and execution-provider selection. ORT does not fall back by itself: a session asked for
// ['webgpu', 'cpu'] throws when there is no adapter, so each provider is tried alone and the first that
// loads wins; the reason the preferred one failed is kept for the run record.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderChoice } from '../../contract/recipe.ts';
import type { ProviderAttempt } from '../../contract/run-manifest.ts';
import { EngineError } from '../errors.ts';
import { checkProviderMayLoad, ProviderSkipped } from './provider-precheck.ts';

export type ConcreteProvider = Exclude<ExecutionProviderChoice, 'auto'>;

export interface TensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

export interface SessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * How long a run's outputs stay valid: until this many more runs have returned (outputs in recycled
   * buffers). Absent: each run's outputs are its own.
   */
  readonly outputSlots?: number;
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, TensorLike>>;
  release(): Promise<void>;
}

/** Creates a session on one provider; throws when the provider cannot load. Injectable for tests. */
export type SessionFactory = (model: Uint8Array, provider: ConcreteProvider) => Promise<SessionLike>;

export interface OpenedSession {
  session: SessionLike;
  provider: ConcreteProvider;
  /** Why the requested (or preferred, for auto) provider was not used; null when it was. */
  fallback: string | null;
  /** Every provider tried, in order, ending with the one used (for the run record). */
  attempts: ProviderAttempt[];
}

/** Providers the platform may offer, in the order auto tries them (CPU last, always). */
export function providerOrder(choice: ExecutionProviderChoice, platform: NodeJS.Platform = process.platform, arch: string = process.arch): ConcreteProvider[] {
  if (choice !== 'auto') return choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
  const order: ConcreteProvider[] = [];
  if ((platform === 'linux' || platform === 'win32') && arch === 'x64') order.push('cuda');
  if (platform === 'win32') order.push('dml');
  if (platform === 'darwin') order.push('coreml');
  order.push('webgpu', 'cpu');
  return order;
}

/** The runtime a run used, for its manifest: onnxruntime-node's version and the intra-op threads of a session. */
export function runtimeInfo(): { onnxruntime: string; intraOpThreads: number } {
  return { onnxruntime: ort.env.versions.node ?? ort.env.versions.common, intraOpThreads: Math.max(1, availableParallelism()) };
}

export function sessionOptions(provider: ConcreteProvider): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // All cores for one session: the engine runs one model at a time and parallelism comes from ORT.
    intraOpNumThreads: Math.max(1, availableParallelism()),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Spinning threads burn the cores other work (decoding, the host merge) needs.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export const ortSessionFactory: SessionFactory = async (model, provider) => {
  checkProviderMayLoad(provider);
  return ort.InferenceSession.create(model, sessionOptions(provider));
};

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.trim().length > 0)?.trim() ?? text;
}

/**
 * Opens `model` on the first provider of `providerOrder(choice)` that loads. Errors that are about the
 * model itself (an unknown operator, a bad graph) are not provider problems: they fail at once.
 */
export async function openSession(model: Uint8Array, choice: ExecutionProviderChoice, file: string, factory: SessionFactory = ortSessionFactory): Promise<OpenedSession> {
  const order = providerOrder(choice);
  const attempts: ProviderAttempt[] = [];
  const failures: string[] = [];
  for (const provider of order) {
    try {
      const session = await factory(model, provider);
      const fallback = failures.length > 0 ? failures.join('; ') : null;
      return { session, provider, fallback, attempts: [...attempts, { provider, outcome: 'used', reason: null }] };
    } catch (error) {
      if (provider === 'cpu' || isModelError(error)) throw modelError(error, file);
      attempts.push({ provider, outcome: error instanceof ProviderSkipped ? 'skipped' : 'failed', reason: firstLine(error) });
      failures.push(`${provider} unavailable: ${firstLine(error)}`);
    }
  }
  throw new EngineError('internal', `${file}: no execution provider could run the model (${failures.join('; ')})`, { file });
}

function isModelError(error: unknown): boolean {
  return /Could not find an implementation|No Op registered|is not a registered function\/op|No opset import|Unrecognized attribute|ShapeInferenceError|TypeInferenceError|INVALID_GRAPH|INVALID_PROTOBUF|Protobuf parsing failed/i.test(firstLine(error));
}

/** The operator an ORT load error is about ('No Op registered for X with domain_version of N', 'D:X(-1) is not a registered function/op', 'implementation for X(N)') and why. */
function unsupportedOperator(line: string): { op: string; why: string } | null {
  const registered = /No Op registered for (\w+) with domain_version of (\d+)/.exec(line);
  if (registered) {
    const domain = /In Node, \("[^"]*", \w+, "([^"]*)"/.exec(line)?.[1];
    return { op: `${domain ? `${domain}:` : ''}${registered[1]}`, why: `no such operator at opset ${registered[2]}` };
  }
  const custom = /([\w.]+):(\w+)\(-?\d+\) is not a registered function\/op/.exec(line);
  if (custom) return { op: `${custom[1]}:${custom[2]}`, why: 'not a registered operator' };
  const kernel = /implementation for (\w+)\((\d+)\)/.exec(line);
  return kernel ? { op: kernel[1]!, why: `no kernel for opset ${kernel[2]} with these types` } : null;
}

/** One clear line for a model ORT refuses. */
export function modelError(error: unknown, file: string): EngineError {
  if (error instanceof EngineError) return error;
  const line = firstLine(error);
  const found = unsupportedOperator(line);
  if (found) return new EngineError('unsupported', `${file}: operator ${found.op} is not supported by onnxruntime-node (${found.why}: ${line})`, { file, cause: error });
  return new EngineError('bad_input', `${file}: onnxruntime cannot load the model: ${line}`, { file, cause: error });
}
