// Conventions every command follows: exit 0 on success, 2 on a usage error (usage on stderr), 1 on a
// failure with one clear line on stderr; `--json` prints exactly one JSON document on stdout; progress
// goes to stderr (a bar on a TTY, plain lines otherwise).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Progress } from '../contract/protocol.ts';
import { inRange, ruleMessage, type NumberRule } from '../contract/fields.ts';

export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Output {
  /** Print a result: JSON when --json was given, else the text. */
  result(json: unknown, text: () => string): void;
  progress(progress: Progress): void;
  /** Ends a progress bar line so the next output starts clean. */
  endProgress(): void;
  info(line: string): void;
}

/** NaN and infinities are not JSON: they are written as null (documented in the exports' load scripts). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function describeProgress(p: Progress): string {
  const unit = p.unit ?? '';
  const parts = [`${p.phase}: ${p.done}/${p.total}${unit ? ` ${unit}` : ''}`];
  if (p.rate !== undefined) parts.push(`${p.rate.toFixed(1)} ${unit || 'items'}/s`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${formatSeconds(p.etaSeconds)}`);
  if (p.message) parts.push(p.message);
  return parts.join('  ');
}

export function createOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const tty = stderr.isTTY === true;
  let barOpen = false;
  let lastPlain = 0;
  return {
    result(value, text) {
      if (barOpen) this.endProgress();
      stdout.write(json ? `${toJson(value)}\n` : `${text()}\n`);
    },
    progress(p) {
      if (tty) {
        const width = 30;
        const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
        const filled = Math.round(fraction * width);
        stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${describeProgress(p)}\u001b[K`);
        barOpen = true;
        return;
      }
      // Plain lines at most once a second (and always the last one) so logs stay readable.
      const now = Date.now();
      if (p.done < p.total && now - lastPlain < 1000) return;
      lastPlain = now;
      stderr.write(`${describeProgress(p)}\n`);
    },
    endProgress() {
      if (barOpen) stderr.write('\n');
      barOpen = false;
    },
    info(line) {
      if (barOpen) this.endProgress();
      stderr.write(`${line}\n`);
    },
  };
}

/** The options of a command, as node:util parseArgs declares them. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** The values parseArgs gives for `T`: typed per option (string or boolean, an array when `multiple`). */
export type OptionValues<T extends CommandOptions> = ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true; args: string[] }>>['values'];

export interface ParsedCommand<V> {
  values: V;
  positionals: string[];
}

/** node:util parseArgs with our usage-error conventions. */
export function parseCommandArgs<T extends CommandOptions>(argv: string[], options: T, usage: string): ParsedCommand<OptionValues<T>> {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
}

export function parseNumberOption(value: string | undefined, name: string, usage: string, integer = true): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got '${value}'`, usage);
  }
  return n;
}

/** A number option checked against its contract rule: out of range is a usage error in the rule's words. */
export function parseRuleOption(value: string | undefined, rule: NumberRule, name: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!inRange(rule, n)) throw new UsageError(`${ruleMessage(rule, `--${name}`)}; got '${value}'`, usage);
  return n;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string, usage: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${value}'`, usage);
  return value as T;
}

/** A comma-separated list option (--layers a,b,c). */
export function parseListOption(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
