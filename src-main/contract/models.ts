// Model library types that cross the contract (plain data). Browser-safe.
import { z } from 'zod';
import { nameSchema } from './names.ts';
import { projectPath, readPath } from './paths.ts';
import { preprocessingSchema, type Preprocessing } from './preprocessing.ts';

export interface TapInfo {
  /** Friendly name (`layer1.0`, `stem`, `avgpool`). */
  name: string;
  tensor: string;
  channels: number;
  /** The grid: feature-map rows and columns, or a transformer's patch-token grid. */
  height: number;
  width: number;
  /** Absent or 'chw': C x H x W; 'tokens': tokens x dims, extraTokens class tokens then the grid (docs/models.md "Units"). */
  layout?: 'chw' | 'tokens';
  extraTokens?: number;
  units: number;
}

export interface ModelInfo {
  id: number;
  name: string;
  path: string;
  storage: 'referenced' | 'copied' | 'generated' | 'downloaded';
  sha256: string;
  bytes: number;
  source: string | null;
  preprocessing: Preprocessing;
  inputName: string;
  taps: TapInfo[];
  /** The file is missing or its sha256 differs from the one recorded when it was added. */
  changed: boolean;
  missing: boolean;
}

export interface CatalogueEntry {
  id: 'resnet50' | 'clip-rn50';
  title: string;
  description: string;
  /** Where to get the ONNX file (a URL the downloader can fetch), or null when it must be exported locally. */
  url: string | null;
  /** How to make the file when there is no URL: the bundled export script's command. */
  exportCommand: string;
  bytes: number | null;
  sha256: string | null;
  preset: 'imagenet' | 'clip';
  taps: 'auto';
}

export const GENERATOR_KINDS = ['tiny', 'resnet50', 'clip-rn50'] as const;
export const CATALOGUE_IDS = ['resnet50', 'clip-rn50'] as const;

export const modelAddArgs = z.object({
  path: projectPath,
  file: readPath,
  name: nameSchema,
  preset: z.enum(['imagenet', 'clip', 'none', 'custom']).default('imagenet'),
  /** Input size [H, W] for models whose spatial size is dynamic. */
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  /** Full settings when preset is custom. */
  preprocessing: preprocessingSchema.optional(),
  taps: z.union([z.literal('auto'), z.array(z.string().min(1)).min(1).max(10_000)]).default('auto'),
  copy: z.boolean().default(false),
});
