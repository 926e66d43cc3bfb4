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
  /** 1 when the model keeps this tensor sequence-first (L x N x D); its units are those of N x L x D. */
  batchAxis?: 1;
  units: number;
}

export type TapRole = 'stem' | 'block' | 'pool';

/** One candidate tap of `model inspect`: a tensor the whole computation passes through. */
export interface InspectedTap extends TapInfo {
  /** Op that produces it. */
  op: string;
  /** Its role when auto-tap picks it. */
  role: TapRole | null;
  /** 1-based index into ModelInspection.stages. */
  stage: number;
  /** Picked by `--taps auto` (the default) and by `--taps stages`. */
  auto: boolean;
  stages: boolean;
  /** Shape without the batch axis, as the runtime gives it. */
  dims: number[];
}

export interface InspectedTensor {
  name: string;
  /** Dimensions: numbers, symbolic names ('batch') or null when unknown. */
  shape: (number | string | null)[];
  elemType: string;
}

/** What `model inspect FILE` shows (docs/models.md): the graph, and the candidate taps grouped by stage. */
export interface ModelInspection {
  file: string;
  bytes: number;
  producer: string;
  irVersion: number;
  opset: number;
  inputs: InspectedTensor[];
  outputs: InspectedTensor[];
  imageInput: { name: string; batch: number | null; height: number; width: number };
  nodeCount: number;
  /** Nodes per op type ('com.microsoft:FusedConv' outside the default domain). */
  opCounts: Record<string, number>;
  /** plain | residual | inverted-residual | transformer | dense, or null when none matched. */
  family: string | null;
  familyTitle: string | null;
  /** What the structure showed when no family matched. */
  found: string | null;
  /** Stage titles ('56 x 56', '1 + 14 x 14 tokens', 'pooled (1-D)'). */
  stages: string[];
  candidates: InspectedTap[];
  /** Weights with no data (a weights-stripped file: shapes come from a run with zeros; it cannot be added). */
  missingWeights: number;
}

export const modelInspectArgs = z.object({
  file: readPath,
  /** Input size [H, W] for models whose spatial size is dynamic. */
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
});

/** A tap's shape as users read it: C x H x W, or tokens x dims ('1+14x14 x 768': a class token, a 14 x 14 patch grid, 768 dims). */
export function tapShapeLabel(t: Pick<TapInfo, 'channels' | 'height' | 'width' | 'layout' | 'extraTokens'>, times = 'x'): string {
  // Tokens and dims stand apart from the grid's own 'x' in the compact form: '1+14x14 x 768'.
  if (t.layout === 'tokens') return `${t.extraTokens ? `${t.extraTokens}+` : ''}${t.height}${times}${t.width}${times === 'x' ? ' x ' : times}${t.channels}`;
  return `${t.channels}${times}${t.height}${times}${t.width}`;
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

/** `model.refresh`: the entry as recorded now, the sha256 it had, and whether the file had changed. */
export interface ModelRefreshResult {
  model: ModelInfo;
  previousSha256: string;
  updated: boolean;
}

/** A tensor the catalogue names as a tap: the friendly name, the tensor in that file (null: found by
 * structure, the k-th residual block output) and its shape per image. */
export interface CatalogueTap {
  name: string;
  tensor: string | null;
  shape: [number, number, number];
}

/** A small file published beside the model (immich's preprocess_cfg.json), checked by content. */
export interface CatalogueCompanion {
  role: 'preprocess_cfg';
  url: string;
}

export const WEIGHT_ARCHITECTURES = ['resnet50', 'clip-rn50', 'clip-vit-b32', 'clip-vit-b16', 'clip-vit-l14'] as const;
export type WeightArchitecture = (typeof WEIGHT_ARCHITECTURES)[number];

export const CATALOGUE_FORMATS = ['safetensors', 'pytorch', 'onnx'] as const;
export type CatalogueFormat = (typeof CATALOGUE_FORMATS)[number];

export interface CatalogueEntry {
  /** `resnet50-imagenet-v1`, ...: what `model download PROJECT NAME` takes. */
  name: string;
  title: string;
  architecture: string;
  trainingData: string;
  licence: string;
  /** Pinned to a commit of the publishing repository, never a moving branch, or content-addressed (OpenAI's URLs carry the sha256). */
  url: string;
  sha256: string;
  /** Exact size when the publisher lists it; null when only the sha256 is pinned (see approxBytes). */
  bytes: number | null;
  /** Size to expect, for progress before the server says and as a ceiling against runaway downloads. */
  approxBytes: number;
  /** `safetensors`, `pytorch` (a torch.save or TorchScript zip): weights the app turns into ONNX with its own builder; `onnx`: used as published. */
  format: CatalogueFormat;
  /** For weights entries: the builder the weights go into. */
  builder: WeightArchitecture | null;
  preset: 'imagenet' | 'clip';
  inputName: string;
  outputName: string;
  /** Batch size fixed in the graph (1 for immich's exports), or null when it is dynamic. */
  fixedBatch: number | null;
  taps: CatalogueTap[];
  companions: CatalogueCompanion[];
  notes: string;
  /** Built in, or from the lab's own catalogue file (UNITSCOPE_CATALOGUE). */
  origin: 'builtin' | 'lab';
}

/** An ONNX file written from a weights file (model.convertWeights). */
export interface WeightsConversion {
  file: string;
  bytes: number;
  arch: WeightArchitecture;
  /** sha256 of the weights file the model was made from. */
  weightsSha256: string;
  tensors: number;
  /** Tensors of the file the network does not use (a CLIP checkpoint's text tower, BN counters). */
  ignored: number;
}

export const GENERATOR_KINDS = ['tiny', 'resnet50', 'clip-rn50', 'clip-vit-b32', 'clip-vit-b16', 'clip-vit-l14'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/** The preprocessing preset of a network the app builds: CLIP's image towers take CLIP's, the rest ImageNet's (the tiny CNN at 64 px). */
export function builtPreset(kind: GeneratorKind | WeightArchitecture): 'clip' | 'imagenet' {
  return kind.startsWith('clip-') ? 'clip' : 'imagenet';
}

export const modelAddArgs = z.object({
  path: projectPath,
  file: readPath,
  name: nameSchema,
  preset: z.enum(['imagenet', 'clip', 'none', 'custom']).default('imagenet'),
  /** Input size [H, W] for models whose spatial size is dynamic. */
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  /** Full settings when preset is custom. */
  preprocessing: preprocessingSchema.optional(),
  /** 'auto': every block (with stem and pooled output); 'stages': each stage's last block; or tensor / candidate names. */
  taps: z.union([z.literal('auto'), z.literal('stages'), z.array(z.string().min(1)).min(1).max(10_000)]).default('auto'),
  copy: z.boolean().default(false),
});
