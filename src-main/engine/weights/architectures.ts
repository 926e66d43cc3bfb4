// The architectures whose weights the app can load: each is one of the app's own builders, so an imported
// network has the same graph, tensor names and taps as its untrained control. The list of parameter names
// and shapes an architecture expects is read off its builder (recordParameters), never restated.
import type { WeightArchitecture } from '../../contract/models.ts';
import { buildClipRn50 } from '../onnx/generators/clip-rn50.ts';
import { buildClipVit, CLIP_VITS, type ClipVitKind } from '../onnx/generators/clip-vit.ts';
import { recordParameters, type ParameterSource, type ParameterSpec } from '../onnx/generators/parameters.ts';
import { buildResnet50 } from '../onnx/generators/resnet50.ts';
import type { ModelProto } from '../onnx/proto.ts';

export interface ArchitectureOptions {
  /** ResNet-50's classifier width (torchvision's is 1000; a fine-tuned head may differ). */
  classes?: number;
}

export interface Architecture {
  title: string;
  /** Whose naming the state dict follows, for messages. */
  naming: string;
  /** A prefix whole-model checkpoints put before this network's tensors (CLIP's image tower is `visual.`). */
  towerPrefix: string | null;
  build(params: ParameterSource, options: ArchitectureOptions, metadata: Record<string, string>): ModelProto;
}

function clipVit(kind: ClipVitKind): Architecture {
  const { title } = CLIP_VITS[kind];
  return {
    title: `CLIP ${title} image encoder (VisionTransformer)`,
    naming: `OpenAI CLIP / OpenCLIP ${title.replace('/', '-')} (visual.conv1.weight, visual.class_embedding, visual.transformer.resblocks.0.attn.in_proj_weight, ..., visual.proj)`,
    towerPrefix: 'visual.',
    build: (params, _options, metadata) => buildClipVit(kind, params, { metadata }),
  };
}

export const ARCHITECTURES: Readonly<Record<WeightArchitecture, Architecture>> = {
  resnet50: {
    title: 'ResNet-50 (torchvision v1.5 layout)',
    naming: "torchvision's resnet50 (conv1.weight, bn1.running_mean, layer1.0.conv1.weight, ..., fc.bias)",
    towerPrefix: null,
    build: (params, options, metadata) => buildResnet50(params, { ...(options.classes ? { classes: options.classes } : {}), graphName: 'resnet50', metadata }),
  },
  'clip-rn50': {
    title: 'CLIP RN50 image encoder (ModifiedResNet)',
    naming: "OpenAI CLIP / OpenCLIP RN50 (visual.conv1.weight, visual.layer1.0.downsample.0.weight, visual.attnpool.c_proj.weight, ...)",
    towerPrefix: 'visual.',
    build: (params, _options, metadata) => buildClipRn50(params, { graphName: 'clip_rn50_visual', metadata }),
  },
  'clip-vit-b32': clipVit('clip-vit-b32'),
  'clip-vit-b16': clipVit('clip-vit-b16'),
  'clip-vit-l14': clipVit('clip-vit-l14'),
};

const specCache = new Map<string, ParameterSpec[]>();

/** Every parameter the architecture's builder takes, in build order. */
export function architectureParameters(arch: WeightArchitecture, options: ArchitectureOptions = {}): ParameterSpec[] {
  const cacheKey = `${arch}:${options.classes ?? ''}`;
  let specs = specCache.get(cacheKey);
  if (!specs) {
    specs = recordParameters((source) => ARCHITECTURES[arch].build(source, options, {}));
    specCache.set(cacheKey, specs);
  }
  return specs;
}
