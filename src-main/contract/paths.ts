// File-system paths in the contract. Every argument that names a file or folder uses one of these
// types, so the receiving side knows which values are paths from the schema alone: serve mode confines
// each of them to the shared folders in one place (engine/path-confinement.ts walks the schema with
// `mapPaths`), and a test walks the whole contract to fail on any plain-string path. Browser-safe.
import { z } from 'zod';

export const PROJECT_EXTENSION = '.unitscope';
/** Linux's PATH_MAX: room for any real path, and no message ever echoes megabytes of one. */
const PATH_MAX_LENGTH = 4096;

/**
 * - project: an existing project file; new-project: one to create (both end in .unitscope);
 * - read: a file or folder the call reads (import sources, model files, partials, listings);
 * - write: a file or folder the call creates or writes into (exports, bundles, generated models).
 */
export type PathKind = 'project' | 'new-project' | 'read' | 'write';

/** Which schemas are paths, and of which kind (zod's registry: metadata keyed by schema instance). */
export const pathKinds = z.registry<{ pathKind: PathKind }>();

function pathString(what: string) {
  return z
    .string()
    .min(1, `${what} is required`)
    .max(PATH_MAX_LENGTH, `a path can have at most ${PATH_MAX_LENGTH} characters`)
    .refine((path) => !path.includes('\u0000'), 'a path cannot contain NUL');
}

const endsLikeProject = (path: string) => path.endsWith(PROJECT_EXTENSION);
const notAProject = `a project file must end in ${PROJECT_EXTENSION}`;

export const projectPath = pathString('a project path').refine(endsLikeProject, notAProject).brand<'ProjectPath'>();
export const newProjectPath = pathString('a project path').refine(endsLikeProject, notAProject).brand<'NewProjectPath'>();
export const readPath = pathString('a path').brand<'ReadPath'>();
export const writePath = pathString('an output path').brand<'WritePath'>();

pathKinds.add(projectPath, { pathKind: 'project' });
pathKinds.add(newProjectPath, { pathKind: 'new-project' });
pathKinds.add(readPath, { pathKind: 'read' });
pathKinds.add(writePath, { pathKind: 'write' });

/** The parts of a zod 4 schema's definition that a walk over a contract needs. */
export interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}

export const zodDef = (schema: z.ZodType): ZodDef => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
/** Definitions that wrap one inner schema, and those that hold no other schema. */
export const ZOD_WRAPPERS: ReadonlySet<string> = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);
export const ZOD_LEAVES: ReadonlySet<string> = new Set(['string', 'number', 'int', 'boolean', 'bigint', 'enum', 'literal', 'null', 'undefined', 'unknown', 'any', 'date', 'nan']);

/**
 * `value` (already parsed by `schema`) with every path replaced by `fn(path, kind)`: the one place that
 * finds the paths of a call, by type. Objects are copied, never changed in place.
 */
export async function mapPaths(schema: z.ZodType, value: unknown, fn: (path: string, kind: PathKind) => Promise<string>): Promise<unknown> {
  if (value === undefined || value === null) return value;
  const kind = pathKinds.get(schema)?.pathKind;
  if (kind !== undefined) return typeof value === 'string' ? fn(value, kind) : value;
  const def = zodDef(schema);
  if (ZOD_WRAPPERS.has(def.type)) return mapPaths(def.innerType!, value, fn);
  switch (def.type) {
    case 'object': {
      if (typeof value !== 'object') return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [key, field] of Object.entries(def.shape!)) {
        if (Object.hasOwn(out, key)) out[key] = await mapPaths(field, out[key], fn);
      }
      return out;
    }
    case 'array':
      return Array.isArray(value) ? Promise.all(value.map((item) => mapPaths(def.element!, item, fn))) : value;
    case 'tuple':
      return Array.isArray(value) ? Promise.all(value.map((item, i) => mapPaths(def.items![i] ?? def.rest ?? z.unknown(), item, fn))) : value;
    case 'record':
      // fromEntries defines keys as data, so a key named __proto__ stays a key.
      if (typeof value !== 'object') return value;
      return Object.fromEntries(await Promise.all(Object.entries(value as Record<string, unknown>).map(async ([key, item]) => [key, await mapPaths(def.valueType!, item, fn)])));
    case 'union': {
      // The option the value was parsed by.
      const option = def.options!.find((o) => o.safeParse(value).success);
      return option ? mapPaths(option, value, fn) : value;
    }
    case 'pipe':
      return mapPaths(zodDef(def.out!).type === 'transform' ? def.in! : def.out!, value, fn);
    default:
      // A construct this walk does not know could hide a path: fail loudly rather than skip it.
      if (!ZOD_LEAVES.has(def.type)) throw new Error(`mapPaths: no rule for zod type '${def.type}'`);
      return value;
  }
}
