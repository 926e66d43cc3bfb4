// Names are never paths. Categories, model names and project display names become folder and file
// names (stimuli/<category>/, models/<name>.onnx) and travel with a project between Linux, macOS and
// Windows, so one rule decides what a name may be, everywhere: the contract's schemas (so the CLI and
// serve mode refuse a bad name before any handler runs), the engine (names read from folders and
// manifests) and the renderer's forms (`nameProblem` gives the same message). Browser-safe (zod only).
import { z } from 'zod';

export const NAME_MAX_LENGTH = 100;
/** File systems limit a file name to 255 bytes; the longest file made from a name adds a short suffix. */
const NAME_MAX_BYTES = 200;

// Windows reserves these device names, also with an extension (CON.txt) and in any case.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
// Separators, and what Windows refuses in a file name (':' would also name an NTFS alternate stream).
const FORBIDDEN_CHARACTERS = /[/\\<>:"|?*]/;
// Control and format characters (NUL, newlines, bidi overrides, zero-width spaces), lone surrogates and
// the Unicode line separators: invisible or unencodable in a file name.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

const encoder = new TextEncoder();

function shapeProblem(name: string): string | null {
  if (name.length === 0) return 'a name cannot be empty';
  if (INVISIBLE.test(name)) return 'a name cannot contain control or invisible characters';
  if (FORBIDDEN_CHARACTERS.test(name)) return 'a name cannot contain / \\ < > : " | ? or *';
  if (name === '.' || name === '..') return "a name cannot be '.' or '..'";
  return null;
}

/**
 * Why `value` is not a valid name (after trimming and NFC normalisation), or null when it is. The
 * compatibility form (NFKC) must pass too, so look-alikes such as full-width '／' or '．．' are refused.
 */
export function nameProblem(value: string): string | null {
  const name = value.trim().normalize('NFC');
  const problem = shapeProblem(name) ?? shapeProblem(name.normalize('NFKC'));
  if (problem) return problem;
  if (name.endsWith('.')) return 'a name cannot end with a dot';
  if (WINDOWS_DEVICE.test(name)) return `'${name.split('.')[0]}' is a device name Windows reserves`;
  if ([...name].length > NAME_MAX_LENGTH) return `a name can have at most ${NAME_MAX_LENGTH} characters`;
  if (encoder.encode(name).length > NAME_MAX_BYTES) return `a name can take at most ${NAME_MAX_BYTES} bytes in UTF-8`;
  return null;
}

/** A category, model or project name: trimmed, NFC, and safe as one file or folder name. */
export const nameSchema = z
  .string()
  .trim()
  .normalize('NFC')
  .check((ctx) => {
    const problem = nameProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  })
  .brand<'Name'>();

export type Name = z.output<typeof nameSchema>;

/** The name `value` stands for, or an error naming the problem (for names read from folders and files). */
export function parseName(value: string): { name: Name } | { problem: string } {
  const parsed = nameSchema.safeParse(value);
  return parsed.success ? { name: parsed.data } : { problem: parsed.error.issues[0]?.message ?? 'not a valid name' };
}
