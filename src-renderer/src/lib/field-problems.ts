// A form's field messages from the contract: the call's own argument schema (whose rules carry human
// messages, contract/fields.ts) run over what the form would send, keyed by the argument's path
// ("recipe.alpha", "batch"). Derived from the form's values, so a message goes as soon as the value is fixed.
import type { z } from 'zod';

export type FieldProblems = Readonly<Record<string, string>>;

export function fieldProblems(schema: z.ZodType, args: unknown): FieldProblems {
  const result = schema.safeParse(args);
  if (result.success) return {};
  const problems: Record<string, string> = {};
  for (const issue of result.error.issues) problems[issue.path.join('.')] ??= issue.message;
  return problems;
}
