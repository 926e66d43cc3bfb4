// torchvision ResNet-50 (v1.5: stride on the 3x3 conv), eval mode. Untrained: torchvision's
// initialization (convs kaiming_normal_(fan_out, relu), BN weight 1 / bias 0 with fresh running
// statistics, fc as nn.Linear); or any torchvision-named state dict (weights/import-weights.ts).
// Tensors are named by module path; each block's output tensor is the block's name (`layer1.0`).
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { batchNorm, conv, linear } from './layers.ts';
import { seededParameters, type ParameterSource } from './parameters.ts';

export const RESNET50_STAGES = [3, 4, 6, 3] as const;

/** One bottleneck block of the ResNet-50 plan: its name, stride and channels. */
export interface BottleneckBlock {
  /** `layer{stage}.{block}`, both numbered as torchvision and CLIP name their modules. */
  name: string;
  /** The first block of its stage: the one whose shortcut changes channels (and, after stage 1, strides). */
  first: boolean;
  stride: number;
  inChannels: number;
  planes: number;
  outChannels: number;
}

/** The 16 bottleneck blocks in order: torchvision's ResNet-50 and CLIP's ModifiedResNet share this plan. */
export function resnet50Blocks(): BottleneckBlock[] {
  const blocks: BottleneckBlock[] = [];
  let inChannels = 64;
  RESNET50_STAGES.forEach((count, stage) => {
    const planes = 64 * 2 ** stage;
    for (let b = 0; b < count; b++) {
      blocks.push({ name: `layer${stage + 1}.${b}`, first: b === 0, stride: b === 0 && stage > 0 ? 2 : 1, inChannels, planes, outChannels: planes * 4 });
      inChannels = planes * 4;
    }
  });
  return blocks;
}

export interface Resnet50Options {
  classes?: number;
  size?: number;
  graphName?: string;
  metadata?: Record<string, string>;
}

export function buildResnet50(params: ParameterSource, options: Resnet50Options = {}): ModelProto {
  const g = new GraphBuilder();
  const size = options.size ?? 224;
  const classes = options.classes ?? 1000;
  const init = 'kaiming-fan-out' as const;
  let x = g.input('input', ['N', 3, size, size]);
  x = conv(g, params, { name: 'conv1', input: x, inChannels: 3, outChannels: 64, kernel: 7, stride: 2, padding: 3, init });
  x = batchNorm(g, params, { name: 'bn1', input: x, channels: 64 });
  x = g.node('Relu', [x], {}, 'relu', 'relu');
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool', 'maxpool');
  for (const { name, first, stride, inChannels, planes, outChannels } of resnet50Blocks()) {
    let y = conv(g, params, { name: `${name}.conv1`, input: x, inChannels, outChannels: planes, kernel: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn1`, input: y, channels: planes });
    y = g.node('Relu', [y], {}, `${name}.relu1`, `${name}.relu1`);
    y = conv(g, params, { name: `${name}.conv2`, input: y, inChannels: planes, outChannels: planes, kernel: 3, stride, padding: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn2`, input: y, channels: planes });
    y = g.node('Relu', [y], {}, `${name}.relu2`, `${name}.relu2`);
    y = conv(g, params, { name: `${name}.conv3`, input: y, inChannels: planes, outChannels, kernel: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn3`, input: y, channels: outChannels });
    let identity = x;
    if (first) {
      identity = conv(g, params, { name: `${name}.downsample.0`, input: x, inChannels, outChannels, kernel: 1, stride, init });
      identity = batchNorm(g, params, { name: `${name}.downsample.1`, input: identity, channels: outChannels });
    }
    const sum = g.node('Add', [y, identity], {}, `${name}.add`, `${name}.add`);
    x = g.node('Relu', [sum], {}, name, `${name}.relu`);
  }
  x = g.node('GlobalAveragePool', [x], {}, 'avgpool', 'avgpool');
  x = g.node('Flatten', [x], { axis: 1 }, 'flatten', 'flatten');
  linear(g, params, 'fc', x, 2048, classes, 'logits');
  g.output('logits', ['N', classes]);
  return g.model({ graphName: options.graphName ?? 'resnet50', metadata: options.metadata ?? {} });
}

export function generateResnet50(seed: number, options: { classes?: number; size?: number } = {}): ModelProto {
  return buildResnet50(seededParameters(seed), {
    ...options,
    graphName: 'resnet50_untrained',
    metadata: { 'unitscope.generator': 'resnet50', 'unitscope.seed': String(seed) },
  });
}
