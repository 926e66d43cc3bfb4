// Building blocks shared by the generators: convolution + batch norm (eval mode) with PyTorch's
// initializations, named after torchvision's module paths. Parameters come from a ParameterSource
// (seeded draws for the untrained controls, a checked state dict for imported weights).
import type { GraphBuilder } from '../builder.ts';
import type { ParameterSource } from './parameters.ts';

export type ConvInit = 'kaiming-fan-out' | 'torch-default';

export interface ConvSpec {
  name: string;
  /** The weight's state-dict module path when it differs from the ONNX name (CLIP's downsample). */
  key?: string;
  input: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  padding?: number;
  init: ConvInit;
  output?: string;
}

export function conv(g: GraphBuilder, params: ParameterSource, spec: ConvSpec): string {
  const { kernel } = spec;
  const stride = spec.stride ?? 1;
  const padding = spec.padding ?? 0;
  const shape = [spec.outChannels, spec.inChannels, kernel, kernel];
  const weight = params.take(`${spec.key ?? spec.name}.weight`, shape, (out, rng) => {
    if (spec.init === 'kaiming-fan-out') {
      // torchvision ResNet: kaiming_normal_(mode='fan_out', nonlinearity='relu').
      rng.fillNormal(out, Math.sqrt(2 / (spec.outChannels * kernel * kernel)));
    } else {
      // nn.Conv2d's own reset_parameters: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
      const bound = 1 / Math.sqrt(spec.inChannels * kernel * kernel);
      rng.fillUniform(out, -bound, bound);
    }
  });
  const w = g.weight(`${spec.name}.weight`, shape, weight);
  return g.node(
    'Conv',
    [spec.input, w],
    { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [padding, padding, padding, padding], dilations: [1, 1], group: 1 },
    spec.output ?? spec.name,
    spec.name,
  );
}

export interface BatchNormSpec {
  name: string;
  /** State-dict module path when it differs from the ONNX name. */
  key?: string;
  input: string;
  channels: number;
  /** Untrained value of gamma (CLIP zero-initializes bn3). */
  gamma?: number;
}

/** BatchNorm in eval mode. Untrained: fresh running statistics (mean 0, var 1), so gamma * x / sqrt(1+eps) + beta. */
export function batchNorm(g: GraphBuilder, params: ParameterSource, spec: BatchNormSpec): string {
  const { name, channels } = spec;
  const key = spec.key ?? name;
  const shape = [channels];
  const gamma = g.weight(`${name}.weight`, shape, params.take(`${key}.weight`, shape, (out) => out.fill(spec.gamma ?? 1)));
  const beta = g.weight(`${name}.bias`, shape, params.take(`${key}.bias`, shape, () => {}));
  const mean = g.weight(`${name}.running_mean`, shape, params.take(`${key}.running_mean`, shape, () => {}));
  const variance = g.weight(`${name}.running_var`, shape, params.take(`${key}.running_var`, shape, (out) => out.fill(1)));
  return g.node('BatchNormalization', [spec.input, gamma, beta, mean, variance], { epsilon: { float: 1e-5 }, momentum: { float: 0.9 } }, name, name);
}

export function linear(g: GraphBuilder, params: ParameterSource, name: string, input: string, inFeatures: number, outFeatures: number, output?: string): string {
  const bound = 1 / Math.sqrt(inFeatures);
  const weight = params.take(`${name}.weight`, [outFeatures, inFeatures], (out, rng) => rng.fillUniform(out, -bound, bound));
  const bias = params.take(`${name}.bias`, [outFeatures], (out, rng) => rng.fillUniform(out, -bound, bound));
  const w = g.weight(`${name}.weight`, [outFeatures, inFeatures], weight);
  const b = g.weight(`${name}.bias`, [outFeatures], bias);
  // Gemm with transB computes x W^T + b like nn.Linear, for a 2-D input.
  return g.node('Gemm', [input, w, b], { transB: 1, alpha: { float: 1 }, beta: { float: 1 } }, output ?? name, name);
}

/**
 * y = x W^T + b for x [..., in] of any rank (nn.Linear): a MatMul with the weight stored transposed
 * ([in, out], named NAME.weight_t) so no Transpose node runs, then an Add named NAME. `matmulNode` names
 * the MatMul node (the builder's default otherwise); generated files depend on every name.
 */
export function transposedLinear(g: GraphBuilder, name: string, input: string, weight: Float32Array, bias: Float32Array, inFeatures: number, outFeatures: number, matmulNode?: string): string {
  const wt = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) wt[i * outFeatures + o] = weight[o * inFeatures + i]!;
  const w = g.weight(`${name}.weight_t`, [inFeatures, outFeatures], wt);
  const b = g.weight(`${name}.bias`, [outFeatures], bias);
  const product = g.node('MatMul', [input, w], {}, `${name}.matmul`, matmulNode);
  return g.node('Add', [product, b], {}, name, name);
}
