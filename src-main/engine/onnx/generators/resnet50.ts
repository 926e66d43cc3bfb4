// Untrained torchvision ResNet-50 (v1.5: stride on the 3x3 conv), eval mode, torchvision's initialization:
// convs kaiming_normal_(fan_out, relu), BN weight 1 / bias 0 with fresh running statistics, fc as
// nn.Linear. Tensors are named by module path; each block's output tensor is the block's name (`layer1.0`).
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { SeededRandom } from '../random.ts';
import { batchNorm, conv, linear } from './layers.ts';

export const RESNET50_STAGES = [3, 4, 6, 3] as const;

export function generateResnet50(seed: number, options: { classes?: number; size?: number } = {}): ModelProto {
  const rng = new SeededRandom(seed);
  const g = new GraphBuilder();
  const size = options.size ?? 224;
  const classes = options.classes ?? 1000;
  const init = 'kaiming-fan-out' as const;
  let x = g.input('input', ['N', 3, size, size]);
  x = conv(g, rng, { name: 'conv1', input: x, inChannels: 3, outChannels: 64, kernel: 7, stride: 2, padding: 3, init });
  x = batchNorm(g, 'bn1', x, 64);
  x = g.node('Relu', [x], {}, 'relu', 'relu');
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool', 'maxpool');
  let inChannels = 64;
  RESNET50_STAGES.forEach((blocks, stage) => {
    const planes = 64 * 2 ** stage;
    for (let b = 0; b < blocks; b++) {
      const name = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const outChannels = planes * 4;
      let y = conv(g, rng, { name: `${name}.conv1`, input: x, inChannels, outChannels: planes, kernel: 1, init });
      y = batchNorm(g, `${name}.bn1`, y, planes);
      y = g.node('Relu', [y], {}, `${name}.relu1`, `${name}.relu1`);
      y = conv(g, rng, { name: `${name}.conv2`, input: y, inChannels: planes, outChannels: planes, kernel: 3, stride, padding: 1, init });
      y = batchNorm(g, `${name}.bn2`, y, planes);
      y = g.node('Relu', [y], {}, `${name}.relu2`, `${name}.relu2`);
      y = conv(g, rng, { name: `${name}.conv3`, input: y, inChannels: planes, outChannels, kernel: 1, init });
      y = batchNorm(g, `${name}.bn3`, y, outChannels);
      let identity = x;
      if (b === 0) {
        identity = conv(g, rng, { name: `${name}.downsample.0`, input: x, inChannels, outChannels, kernel: 1, stride, init });
        identity = batchNorm(g, `${name}.downsample.1`, identity, outChannels);
      }
      const sum = g.node('Add', [y, identity], {}, `${name}.add`, `${name}.add`);
      x = g.node('Relu', [sum], {}, name, `${name}.relu`);
      inChannels = outChannels;
    }
  });
  x = g.node('GlobalAveragePool', [x], {}, 'avgpool', 'avgpool');
  x = g.node('Flatten', [x], { axis: 1 }, 'flatten', 'flatten');
  linear(g, rng, 'fc', x, 2048, classes, undefined, 'logits');
  g.output('logits', ['N', classes]);
  return g.model({ graphName: 'resnet50_untrained', metadata: { 'unitscope.generator': 'resnet50', 'unitscope.seed': String(seed) } });
}
