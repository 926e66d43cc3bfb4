// A form's field messages from the contract: the call's own argument schema (whose rules carry human
// messages, contract/fields.ts) run over what the form would send, keyed by the argument's path
// ("recipe.alpha", "batch"). Derived from the form's values, so a message goes as soon as the value is fixed.
import type { z } from 'zod';

export type FieldProblems = Readonly<Record<string, string>>;

/** What the form may send (as the schema parsed it), or null and the problems by field. */
export type CheckedArgs<S extends z.ZodType> = { args: z.output<S>; problems: FieldProblems } | { args: null; problems: FieldProblems };

export function checkArgs<S extends z.ZodType>(schema: S, draft: unknown): CheckedArgs<S> {
  const result = schema.safeParse(draft);
  if (result.success) return { args: result.data, problems: {} };
  const problems: Record<string, string> = {};
  for (const issue of result.error.issues) problems[issue.path.join('.')] ??= issue.message;
  return { args: null, problems };
}
