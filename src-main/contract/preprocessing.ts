// Image preprocessing recorded per model (docs/method.md#preprocessing). A preset expands to the
// full settings; `custom` spells them out. Browser-safe (zod only).
import { z } from 'zod';

export const PREPROCESSING_PRESETS = ['imagenet', 'clip', 'none', 'custom'] as const;
export type PreprocessingPreset = (typeof PREPROCESSING_PRESETS)[number];

export const RESIZE_MODES = ['shorter-side', 'exact', 'none'] as const;
export const INTERPOLATIONS = ['nearest', 'bilinear', 'bicubic'] as const;

const triple = z.tuple([z.number(), z.number(), z.number()]);

export const preprocessingSchema = z.object({
  preset: z.enum(PREPROCESSING_PRESETS),
  /** Network input size [height, width]. */
  inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  /** shorter-side: scale so the shorter side is `resizeTo`, keep aspect; exact: scale to inputSize; none: only when the size differs, exact. */
  resize: z.enum(RESIZE_MODES),
  /** Target of the shorter side for `shorter-side`. */
  resizeTo: z.number().int().positive(),
  interpolation: z.enum(INTERPOLATIONS),
  /** PIL-style antialiasing: the filter widens with the downscale factor (torchvision on PIL images). */
  antialias: z.boolean(),
  /** Center crop to inputSize after resizing. */
  centerCrop: z.boolean(),
  mean: triple,
  std: triple,
});

export type Preprocessing = z.output<typeof preprocessingSchema>;

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** The preset's settings for a model whose input is `inputSize` (presets are defined for 224 px). */
export function presetPreprocessing(preset: Exclude<PreprocessingPreset, 'custom'>, inputSize: [number, number] = [224, 224]): Preprocessing {
  switch (preset) {
    case 'imagenet':
      // torchvision: Resize(256) (bilinear, antialiased on PIL) + CenterCrop(224); 256 scales with the input size.
      return { preset, inputSize, resize: 'shorter-side', resizeTo: Math.round((Math.min(...inputSize) * 256) / 224), interpolation: 'bilinear', antialias: true, centerCrop: true, mean: IMAGENET_MEAN, std: IMAGENET_STD };
    case 'clip':
      return { preset, inputSize, resize: 'shorter-side', resizeTo: Math.min(...inputSize), interpolation: 'bicubic', antialias: true, centerCrop: true, mean: CLIP_MEAN, std: CLIP_STD };
    case 'none':
      return { preset, inputSize, resize: 'none', resizeTo: Math.min(...inputSize), interpolation: 'bilinear', antialias: true, centerCrop: false, mean: [0, 0, 0], std: [1, 1, 1] };
  }
}
