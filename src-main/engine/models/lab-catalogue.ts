// A lab's own catalogue: UNITSCOPE_CATALOGUE names a JSON file with an array of entries in the built-in
// entries' shape (each pinned by sha256), e.g. an internal mirror's models. Whoever starts the engine
// chooses the file, so serve mode trusts the origins its entries name (see url-policy.ts).
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { CatalogueEntry } from '../../contract/models.ts';
import { SHA256, textSchema } from '../../contract/fields.ts';
import { CATALOGUE_FORMATS, WEIGHT_ARCHITECTURES } from '../../contract/models.ts';
import { EngineError } from '../errors.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const shape = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);

const entrySchema = z.object({
  name: z.string().regex(NAME).max(100),
  title: z.string().min(1),
  architecture: z.string().default(''),
  trainingData: z.string().default(''),
  licence: z.string().min(1),
  url: z.string().url(),
  sha256: textSchema(SHA256).transform((hex) => hex.toLowerCase()),
  bytes: z.number().int().positive().nullable().default(null),
  approxBytes: z.number().int().positive(),
  format: z.enum(CATALOGUE_FORMATS),
  builder: z.enum(WEIGHT_ARCHITECTURES).nullable().default(null),
  preset: z.enum(['imagenet', 'clip']),
  inputName: z.string().min(1),
  outputName: z.string().min(1),
  fixedBatch: z.number().int().positive().nullable().default(null),
  taps: z.array(z.object({ name: z.string().min(1), tensor: z.string().min(1).nullable(), shape })).default([]),
  companions: z.array(z.object({ role: z.literal('preprocess_cfg'), url: z.string().url() })).default([]),
  notes: z.string().default(''),
}).refine((e) => e.format === 'onnx' || e.builder !== null, { message: 'a weights file (safetensors or pytorch) needs a builder to go into', path: ['builder'] });

let cached: { file: string; mtimeMs: number; entries: CatalogueEntry[] } | null = null;

export function labCatalogue(env: NodeJS.ProcessEnv): CatalogueEntry[] {
  const file = env.UNITSCOPE_CATALOGUE;
  if (!file) return [];
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    throw new EngineError('not_found', `${file}: the catalogue file named by UNITSCOPE_CATALOGUE does not exist`, { file });
  }
  if (cached && cached.file === file && cached.mtimeMs === mtimeMs) return cached.entries;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EngineError('bad_input', `${file}: not JSON (${(error as Error).message})`, { file });
  }
  const parsed = z.array(entrySchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EngineError('bad_input', `${file}: entry ${issue.path.join('.')}: ${issue.message}`, { file });
  }
  const entries: CatalogueEntry[] = parsed.data.map((e) => ({ ...e, origin: 'lab' as const }));
  cached = { file, mtimeMs, entries };
  return entries;
}
