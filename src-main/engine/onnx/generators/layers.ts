// Building blocks shared by the generators: convolution + batch norm (eval mode) with PyTorch's
// initializations, named after torchvision's module paths.
import type { GraphBuilder } from '../builder.ts';
import type { SeededRandom } from '../random.ts';

export type ConvInit = 'kaiming-fan-out' | 'torch-default';

export interface ConvSpec {
  name: string;
  input: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  padding?: number;
  init: ConvInit;
  output?: string;
}

export function conv(g: GraphBuilder, rng: SeededRandom, spec: ConvSpec): string {
  const { kernel } = spec;
  const stride = spec.stride ?? 1;
  const padding = spec.padding ?? 0;
  const weight = new Float32Array(spec.outChannels * spec.inChannels * kernel * kernel);
  if (spec.init === 'kaiming-fan-out') {
    // torchvision ResNet: kaiming_normal_(mode='fan_out', nonlinearity='relu').
    rng.fillNormal(weight, Math.sqrt(2 / (spec.outChannels * kernel * kernel)));
  } else {
    // nn.Conv2d's own reset_parameters: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const bound = 1 / Math.sqrt(spec.inChannels * kernel * kernel);
    rng.fillUniform(weight, -bound, bound);
  }
  const w = g.weight(`${spec.name}.weight`, [spec.outChannels, spec.inChannels, kernel, kernel], weight);
  return g.node(
    'Conv',
    [spec.input, w],
    { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [padding, padding, padding, padding], dilations: [1, 1], group: 1 },
    spec.output ?? spec.name,
    spec.name,
  );
}

/** BatchNorm in eval mode with fresh running statistics (mean 0, var 1), so it is gamma * x / sqrt(1+eps) + beta. */
export function batchNorm(g: GraphBuilder, name: string, input: string, channels: number, gammaValue = 1, output?: string): string {
  const gamma = g.weight(`${name}.weight`, [channels], new Float32Array(channels).fill(gammaValue));
  const beta = g.weight(`${name}.bias`, [channels], new Float32Array(channels));
  const mean = g.weight(`${name}.running_mean`, [channels], new Float32Array(channels));
  const variance = g.weight(`${name}.running_var`, [channels], new Float32Array(channels).fill(1));
  return g.node('BatchNormalization', [input, gamma, beta, mean, variance], { epsilon: { float: 1e-5 }, momentum: { float: 0.9 } }, output ?? name, name);
}

export function linear(g: GraphBuilder, rng: SeededRandom, name: string, input: string, inFeatures: number, outFeatures: number, std?: number, output?: string): string {
  const weight = new Float32Array(outFeatures * inFeatures);
  const bias = new Float32Array(outFeatures);
  const bound = 1 / Math.sqrt(inFeatures);
  if (std === undefined) rng.fillUniform(weight, -bound, bound);
  else rng.fillNormal(weight, std);
  rng.fillUniform(bias, -bound, bound);
  const w = g.weight(`${name}.weight`, [outFeatures, inFeatures], weight);
  const b = g.weight(`${name}.bias`, [outFeatures], bias);
  // Gemm with transB computes x W^T + b like nn.Linear, for a 2-D input.
  return g.node('Gemm', [input, w, b], { transB: 1, alpha: { float: 1 }, beta: { float: 1 } }, output ?? name, name);
}
