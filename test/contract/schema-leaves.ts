// Every leaf of a contract argument schema, with where it sits (`map.<key>`, `files[]`, `to`), so tests
// can check each string field's type over the whole contract without listing the fields by hand.
import type { z } from 'zod';

export interface SchemaLeaf {
  /** Dotted location in the arguments: `a.b`, `list[]`, `record.<key>` (the key), `record.*` (a value). */
  at: string;
  schema: z.ZodType;
  /** The nearest object key above the leaf (what a path-like field is named). */
  key: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);
const LEAVES = new Set(['string', 'number', 'int', 'boolean', 'bigint', 'enum', 'literal', 'null', 'undefined', 'unknown', 'any', 'date', 'nan']);

export function schemaLeaves(schema: z.ZodType, at = '', key = ''): SchemaLeaf[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return schemaLeaves(def.innerType!, at, key);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape!).flatMap(([k, s]) => schemaLeaves(s, at ? `${at}.${k}` : k, k));
    case 'array':
      return schemaLeaves(def.element!, `${at}[]`, key);
    case 'tuple':
      return [...def.items!.flatMap((s, i) => schemaLeaves(s, `${at}[${i}]`, key)), ...(def.rest ? schemaLeaves(def.rest, `${at}[]`, key) : [])];
    case 'record':
      return [...schemaLeaves(def.keyType!, `${at}.<key>`, key), ...schemaLeaves(def.valueType!, `${at}.*`, key)];
    case 'union':
      return def.options!.flatMap((s) => schemaLeaves(s, at, key));
    case 'intersection':
      return [...schemaLeaves(def.left!, at, key), ...schemaLeaves(def.right!, at, key)];
    case 'pipe':
      return defOf(def.out!).type === 'transform' ? schemaLeaves(def.in!, at, key) : schemaLeaves(def.out!, at, key);
    case 'lazy':
      return schemaLeaves(def.getter!(), at, key);
    default:
      if (!LEAVES.has(def.type)) throw new Error(`schemaLeaves: no rule for zod type '${def.type}' at ${at || '(root)'}`);
      return [{ at, schema, key }];
  }
}
