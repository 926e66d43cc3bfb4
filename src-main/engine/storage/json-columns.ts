// The JSON columns (recipes, preprocessing, manifests, metrics, aggregates, analyses) are written by
// JSON.stringify, which writes NaN and infinities as null, and read back through a schema, so a damaged
// or hand-edited row is reported naming the row instead of travelling on as a wrong type.
import { z } from 'zod';
import { EngineError } from '../errors.ts';

/** Parses a JSON column with `schema`; `what` names the row in the error ("run #3's manifest"). */
export function parseJsonColumn<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EngineError('bad_input', `${what} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError('bad_input', `${what} does not have the expected shape (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'})`);
  }
  return parsed.data;
}

/** A number that JSON wrote as null because it was NaN (or infinite): read back as NaN. */
export const numberOrNaN = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN);
