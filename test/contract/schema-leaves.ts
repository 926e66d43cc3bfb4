// Every leaf of a contract argument schema, with where it sits (`map.<key>`, `files[]`, `to`), so tests
// can check each string field's type over the whole contract without listing the fields by hand.
import type { z } from 'zod';
import { ZOD_LEAVES, ZOD_WRAPPERS, zodDef } from '../../src-main/contract/paths.ts';

export interface SchemaLeaf {
  /** Dotted location in the arguments: `a.b`, `list[]`, `record.<key>` (the key), `record.*` (a value). */
  at: string;
  schema: z.ZodType;
  /** The nearest object key above the leaf (what a path-like field is named). */
  key: string;
}

export function schemaLeaves(schema: z.ZodType, at = '', key = ''): SchemaLeaf[] {
  const def = zodDef(schema);
  if (ZOD_WRAPPERS.has(def.type)) return schemaLeaves(def.innerType!, at, key);
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
    case 'pipe':
      return zodDef(def.out!).type === 'transform' ? schemaLeaves(def.in!, at, key) : schemaLeaves(def.out!, at, key);
    default:
      // The contract walk of serve mode (mapPaths) knows the same constructs; anything else fails both.
      if (!ZOD_LEAVES.has(def.type)) throw new Error(`schemaLeaves: no rule for zod type '${def.type}' at ${at || '(root)'}`);
      return [{ at, schema, key }];
  }
}
