// Paths by type (issue 13 item 6): every contract argument that names a file or folder uses one of the
// path types of contract/paths.ts, and serve mode confines each of them in one place, found by type.
// The walk over the whole contract fails when a method takes a path as a plain string.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { api, nameSchema, pathKinds, type ApiMethod } from '../../src-main/contract/index.ts';
import { EngineCallError } from '../../src-main/contract/client.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { schemaLeaves } from './schema-leaves.ts';

const methods = Object.keys(api) as ApiMethod[];
const typeOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: { type: string } } })._zod.def.type;
/** Field names that carry paths in this codebase and in general. */
const PATH_LIKE = /path|file|dir|folder|^out|source|root|dest|^to$/i;

function pathSlots(method: ApiMethod): { at: string; kind: string }[] {
  return schemaLeaves(api[method].args).flatMap((leaf) => {
    const kind = pathKinds.get(leaf.schema)?.pathKind;
    return kind ? [{ at: leaf.at, kind }] : [];
  });
}

describe('the contract types its paths', () => {
  it('no method takes a path as a plain string', () => {
    const plain: string[] = [];
    for (const method of methods) {
      for (const leaf of schemaLeaves(api[method].args)) {
        if (typeOf(leaf.schema) === 'string' && PATH_LIKE.test(leaf.key) && !pathKinds.has(leaf.schema)) plain.push(`${method} ${leaf.at}`);
      }
    }
    expect(plain).toEqual([]);
  });

  it('the walk sees the typed paths where they are (spot checks of each kind)', () => {
    expect(pathSlots('project.create')).toEqual([{ at: 'path', kind: 'new-project' }]);
    expect(pathSlots('project.duplicate')).toEqual([{ at: 'path', kind: 'project' }, { at: 'to', kind: 'new-project' }]);
    expect(pathSlots('shard.merge')).toEqual([{ at: 'path', kind: 'project' }, { at: 'files[]', kind: 'read' }]);
    expect(pathSlots('export.run')).toEqual([{ at: 'path', kind: 'project' }, { at: 'out', kind: 'write' }]);
    expect(pathSlots('analysis.replicate').map((s) => s.at)).toEqual(['path', 'pathB']);
  });
});

// Arguments that pass every schema, built from the schema itself, so every method is covered.
function sample(schema: z.ZodType, inside: string): unknown {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const kind = pathKinds.get(schema)?.pathKind;
  if (kind) return kind === 'project' || kind === 'new-project' ? join(inside, 'p.unitscope') : join(inside, 'thing');
  if (schema === nameSchema) return 'faces';
  switch (def.type) {
    case 'optional':
    case 'default':
      return undefined;
    case 'object':
      return Object.fromEntries(Object.entries(def.shape as Record<string, z.ZodType>).map(([k, s]) => [k, sample(s, inside)]).filter(([, v]) => v !== undefined));
    case 'array': {
      // As many elements as the array's minimum length; names distinct (a list of models refuses repeats).
      const checks = ((def.checks ?? []) as { _zod: { def: { check: string; minimum?: number } } }[]).map((c) => c._zod.def);
      const length = Math.max(1, checks.find((c) => c.check === 'min_length')?.minimum ?? 1);
      return Array.from({ length }, (_, i) => {
        const element = sample(def.element as z.ZodType, inside);
        return i > 0 && typeof element === 'string' ? `${element}-${i}` : element;
      });
    }
    case 'union':
      return sample((def.options as z.ZodType[])[0]!, inside);
    case 'tuple':
      return (def.items as z.ZodType[]).map((s) => sample(s, inside));
    case 'enum':
      return Object.values(def.entries as Record<string, string>)[0];
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'string':
      return 'x';
    case 'record':
      return {};
    default:
      throw new Error(`sample: no rule for ${def.type}`);
  }
}

function setAt(args: Record<string, unknown>, at: string, value: string): Record<string, unknown> {
  const copy = structuredClone(args);
  if (at.endsWith('[]')) copy[at.slice(0, -2)] = [value];
  else copy[at] = value;
  return copy;
}

describe('serve mode confines every path argument of every method, by type', () => {
  const base = mkdtempSync(join(tmpdir(), 'unitscope-paths-'));
  const shared = join(base, 'shared');
  mkdirSync(shared);
  mkdirSync(join(base, 'outside'));
  const engine = new Engine({ mode: 'serve', roots: [shared] });
  const client = connectInProcess(engine);
  afterAll(() => {
    client.disconnect();
    engine.close();
    rmSync(base, { recursive: true, force: true });
  });

  for (const method of methods.filter((m) => pathSlots(m).length > 0)) {
    it(method, async () => {
      const args = sample(api[method].args, shared) as Record<string, unknown>;
      expect(api[method].args.safeParse(args).success, `${method}: sample arguments`).toBe(true);
      for (const { at, kind } of pathSlots(method)) {
        const outside = join(shared, '..', 'outside', kind.includes('project') ? 'q.unitscope' : 'q');
        const error = await client.call(method, setAt(args, at, outside) as never).then(() => null, (e: unknown) => e);
        expect(error, `${method} ${at}`).toBeInstanceOf(EngineCallError);
        expect((error as EngineCallError).message, `${method} ${at}`).toContain('outside the folders shared');
      }
    });
  }
});
