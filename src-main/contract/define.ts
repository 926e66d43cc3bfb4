// Machinery to declare a contract: every call once, with its argument schema (checked at runtime on the
// receiving side) and its result type (checked at compile time on both sides).
import type { z } from 'zod';
import type { Progress } from './protocol.ts';

export interface MethodSpec<A extends z.ZodType, R> {
  readonly args: A;
  /** Phantom field: carries the result type, never set at runtime. */
  readonly result?: R;
  /**
   * True when the call reports progress and may run long. The dispatcher forwards progress only for
   * long calls, and runs each as a job (listed by job.list, cancellable by id, followable) unless
   * `job` is false.
   */
  readonly long: boolean;
  /** Whether a long call is registered as a job (false for job.follow, which watches one). */
  readonly job: boolean;
}

export function method<R>() {
  return <A extends z.ZodType>(args: A, options: { long?: boolean; job?: boolean } = {}): MethodSpec<A, R> => ({
    args,
    long: options.long ?? false,
    job: (options.long ?? false) && (options.job ?? true),
  });
}

export type Contract = Record<string, MethodSpec<z.ZodType, unknown>>;

export type MethodName<C extends Contract> = keyof C & string;
export type ArgsOf<C extends Contract, M extends MethodName<C>> = z.input<C[M]['args']>;
export type ParsedArgsOf<C extends Contract, M extends MethodName<C>> = z.output<C[M]['args']>;
export type ResultOf<C extends Contract, M extends MethodName<C>> = NonNullable<C[M]['result']>;

/** What a handler gets besides its arguments. */
export interface CallContext {
  /** Aborted when the caller cancels or its connection closes. */
  signal: AbortSignal;
  /** Report progress; a no-op for callers that did not ask for it and for calls not declared long. */
  progress(progress: Progress): void;
}

/** The engine's handler map type: `satisfies HandlerMap<typeof contract>` checks it at compile time. */
export type HandlerMap<C extends Contract> = {
  [M in MethodName<C>]: (args: ParsedArgsOf<C, M>, ctx: CallContext) => Promise<ResultOf<C, M>>;
};
