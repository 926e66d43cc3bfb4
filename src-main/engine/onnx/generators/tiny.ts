// A tiny residual CNN for tests and the demo: 64 px input, a conv stem and three residual blocks
// (Add -> Relu, so auto-tap finds them like ResNet's), global average pooling and a 10-way classifier.
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { batchNorm, conv, linear } from './layers.ts';
import { seededParameters } from './parameters.ts';

export const TINY_INPUT_SIZE = 64;

export function generateTiny(seed: number): ModelProto {
  const params = seededParameters(seed);
  const g = new GraphBuilder();
  const init = 'kaiming-fan-out' as const;
  let x = g.input('input', ['N', 3, TINY_INPUT_SIZE, TINY_INPUT_SIZE]);
  x = conv(g, params, { name: 'conv1', input: x, inChannels: 3, outChannels: 16, kernel: 3, stride: 2, padding: 1, init });
  x = batchNorm(g, params, { name: 'bn1', input: x, channels: 16 });
  x = g.node('Relu', [x], {}, 'relu', 'relu');
  let inChannels = 16;
  const widths = [16, 32, 64];
  widths.forEach((width, stage) => {
    const name = `layer${stage + 1}.0`;
    const stride = stage === 0 ? 1 : 2;
    let y = conv(g, params, { name: `${name}.conv1`, input: x, inChannels, outChannels: width, kernel: 3, stride, padding: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn1`, input: y, channels: width });
    y = g.node('Relu', [y], {}, `${name}.relu1`, `${name}.relu1`);
    y = conv(g, params, { name: `${name}.conv2`, input: y, inChannels: width, outChannels: width, kernel: 3, padding: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn2`, input: y, channels: width });
    let identity = x;
    if (stride !== 1 || inChannels !== width) {
      identity = conv(g, params, { name: `${name}.downsample.0`, input: x, inChannels, outChannels: width, kernel: 1, stride, init });
      identity = batchNorm(g, params, { name: `${name}.downsample.1`, input: identity, channels: width });
    }
    const sum = g.node('Add', [y, identity], {}, `${name}.add`, `${name}.add`);
    x = g.node('Relu', [sum], {}, name, `${name}.relu`);
    inChannels = width;
  });
  x = g.node('GlobalAveragePool', [x], {}, 'avgpool', 'avgpool');
  x = g.node('Flatten', [x], { axis: 1 }, 'flatten', 'flatten');
  linear(g, params, 'fc', x, 64, 10, 'logits');
  g.output('logits', ['N', 10]);
  return g.model({ graphName: 'tiny_cnn', metadata: { 'unitscope.generator': 'tiny', 'unitscope.seed': String(seed) } });
}
