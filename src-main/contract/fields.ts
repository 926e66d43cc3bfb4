// Rules for the values people type (CLI options, form fields), each declared once. A rule gives the zod
// schema the contract parses with, the check a form runs as the user types and the words the CLI help
// and the docs print, so the bounds and the message are the same wherever the value is entered.
import { z } from 'zod';

export interface NumberRule {
  /** What the value is called in a message: "α", "the batch". */
  label: string;
  /** Omitted: no lower (upper) bound. */
  min?: number;
  max?: number;
  /** The bound itself is outside the range (α: 0 < α < 1). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  integer?: boolean;
  /** Shown after the range ("MiB"). */
  unit?: string;
}

const show = (v: number) => String(v);

/** The range in words: "a number greater than 0 and less than 1", "a whole number from 1 to 1024". */
export function rangeText(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  const unit = rule.unit ? ` ${rule.unit}` : '';
  const { min, max } = rule;
  if (min !== undefined && max !== undefined) {
    if (!rule.exclusiveMin && !rule.exclusiveMax) return `${kind} from ${show(min)} to ${show(max)}${unit}`;
    const low = rule.exclusiveMin ? `greater than ${show(min)}` : `at least ${show(min)}`;
    const high = rule.exclusiveMax ? `less than ${show(max)}` : `at most ${show(max)}`;
    return `${kind} ${low} and ${high}${unit}`;
  }
  if (min !== undefined) return rule.exclusiveMin ? `${kind} greater than ${show(min)}${unit}` : `${kind}, ${show(min)} or more${unit}`;
  if (max !== undefined) return rule.exclusiveMax ? `${kind} less than ${show(max)}${unit}` : `${kind}, ${show(max)} or less${unit}`;
  return kind;
}

/** The range as a formula for help texts and tables: "0 < A < 1", "1 <= N <= 1024". */
export function rangeFormula(rule: NumberRule, symbol: string): string {
  const low = rule.min === undefined ? '' : `${show(rule.min)} ${rule.exclusiveMin ? '<' : '<='} `;
  const high = rule.max === undefined ? '' : ` ${rule.exclusiveMax ? '<' : '<='} ${show(rule.max)}`;
  if (!low && !high) return rule.integer ? 'any whole number' : 'any number';
  return `${low}${symbol}${high}${rule.integer ? ', whole' : ''}`;
}

export function inRange(rule: NumberRule, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) return false;
  if (rule.max !== undefined && (rule.exclusiveMax ? value >= rule.max : value > rule.max)) return false;
  return true;
}

/** "α must be a number greater than 0 and less than 1": the one message of the rule. */
export function ruleMessage(rule: NumberRule, subject = rule.label): string {
  return `${subject} must be ${rangeText(rule)}`;
}

/** The message for `value` (anything a form field or a JSON payload may hold), or null when it is fine. */
export function numberProblem(rule: NumberRule, value: unknown): string | null {
  return typeof value === 'number' && inRange(rule, value) ? null : ruleMessage(rule);
}

/** The zod schema of a rule: an empty field (null), NaN or a value out of range all give the rule's message. */
export function numberSchema(rule: NumberRule): z.ZodNumber {
  const error = ruleMessage(rule);
  return z.number({ error }).refine((v) => inRange(rule, v), { error });
}

export interface TextRule {
  label: string;
  pattern: RegExp;
  /** What a valid value looks like: "64 hexadecimal digits". */
  shape: string;
}

export function textSchema(rule: TextRule): z.ZodString {
  return z.string({ error: `${rule.label} must be ${rule.shape}` }).regex(rule.pattern, { error: `${rule.label} must be ${rule.shape}` });
}

/** The message for a typed text (trimmed; empty means "not given" and is fine), or null. */
export function textProblem(rule: TextRule, value: string): string | null {
  const v = value.trim();
  return v === '' || rule.pattern.test(v) ? null : `${rule.label} must be ${rule.shape}`;
}

/** Images per runtime call (run, shards, ablation, reliability). */
export const BATCH: NumberRule = { label: 'the batch', min: 1, max: 1024, integer: true };

/**
 * Memory the engine sizes a long call's working set to (extraction batches and merge groups, per-image
 * gathers, reliability's grouped statistics). The floor keeps room for one image of a ResNet-50.
 */
export const MEMORY_BUDGET_MB: NumberRule = { label: 'the memory budget', min: 256, max: 262144, integer: true, unit: 'MiB' };
/** What the engine uses when a call gives no budget (engine/inference/batching.ts). */
export const DEFAULT_MEMORY_BUDGET_MB = 1024;

/** The analyses' settings (analysis.ablate, analysis.reliability, analysis.replicate). */
export const SEED: NumberRule = { label: 'the seed', integer: true };
export const ABLATION_TOP: NumberRule = { label: 'the number of top units', min: 1, integer: true };
export const ABLATION_CONTROLS: NumberRule = { label: 'the number of random controls', min: 0, max: 100000, integer: true };
export const SPLITS: NumberRule = { label: 'the number of splits', min: 1, max: 10000, integer: true };
export const GROUPS: NumberRule = { label: 'the number of groups per category', min: 2, max: 100000, integer: true };
/** Image-bootstrap iterations of a model comparison (docs/method.md#image-bootstrap). */
export const BOOTSTRAP_ITERATIONS: NumberRule = { label: 'the number of bootstrap iterations', min: 10, max: 100000, integer: true };
/** Units per stratum of each layer's subset for the image bootstrap (docs/method.md#unit-subset). */
export const SUBSET_UNITS: NumberRule = { label: 'the units per stratum', min: 16, max: 1000000, integer: true };
export const SHUFFLES: NumberRule = { label: 'the number of shuffles', min: 0, max: 1000000, integer: true };

export const SHA256: TextRule = { label: 'sha256', pattern: /^[0-9a-fA-F]{64}$/, shape: '64 hexadecimal digits (0-9, a-f)' };
