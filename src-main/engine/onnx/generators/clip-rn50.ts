// CLIP RN50 image encoder (OpenAI's ModifiedResNet), eval mode: three 3x3 stem convs and a 2x2 average
// pool; anti-aliased strided blocks (an average pool before the strided paths); attention pooling head
// (32 heads, 1024-d output). Untrained: CLIP's own initialize_parameters (convs keep nn.Conv2d's default
// init, bn3 weights are zero, attention projections normal with std = in_features^-0.5, the positional
// embedding normal / sqrt(2048)); or an OpenAI/OpenCLIP state dict (`visual.` stripped, see weights/).
// ONNX names keep the generator's first spelling (downsample.1 is the conv, attnpool the output
// projection) so files made before stay byte-identical; `key` gives the state-dict name where it differs.
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { batchNorm, conv, transposedLinear } from './layers.ts';
import { seededParameters, type ParameterSource } from './parameters.ts';
import { resnet50Blocks } from './resnet50.ts';

const EMBED = 2048;
const HEADS = 32;
const OUTPUT_DIM = 1024;

function avgPool(g: GraphBuilder, input: string, stride: number, output: string): string {
  return g.node('AveragePool', [input], { kernel_shape: [stride, stride], strides: [stride, stride] }, output, output);
}

/** y = x W^T + b for x [..., in], as MatMul with a pre-transposed weight plus Add; `key` is nn.Linear's module path. */
function projection(g: GraphBuilder, params: ParameterSource, name: string, key: string, input: string, inFeatures: number, outFeatures: number, std: number): string {
  const w = params.take(`${key}.weight`, [outFeatures, inFeatures], (out, rng) => rng.fillNormal(out, std));
  const bound = 1 / Math.sqrt(inFeatures);
  const bias = params.take(`${key}.bias`, [outFeatures], (out, rng) => rng.fillUniform(out, -bound, bound));
  return transposedLinear(g, name, input, w, bias, inFeatures, outFeatures);
}

export interface ClipRn50Options {
  graphName?: string;
  metadata?: Record<string, string>;
}

export function buildClipRn50(params: ParameterSource, options: ClipRn50Options = {}): ModelProto {
  const g = new GraphBuilder();
  const init = 'torch-default' as const;
  let x = g.input('input', ['N', 3, 224, 224]);
  x = conv(g, params, { name: 'conv1', input: x, inChannels: 3, outChannels: 32, kernel: 3, stride: 2, padding: 1, init });
  x = batchNorm(g, params, { name: 'bn1', input: x, channels: 32 });
  x = g.node('Relu', [x], {}, 'relu1', 'relu1');
  x = conv(g, params, { name: 'conv2', input: x, inChannels: 32, outChannels: 32, kernel: 3, padding: 1, init });
  x = batchNorm(g, params, { name: 'bn2', input: x, channels: 32 });
  x = g.node('Relu', [x], {}, 'relu2', 'relu2');
  x = conv(g, params, { name: 'conv3', input: x, inChannels: 32, outChannels: 64, kernel: 3, padding: 1, init });
  x = batchNorm(g, params, { name: 'bn3', input: x, channels: 64 });
  x = g.node('Relu', [x], {}, 'relu3', 'relu3');
  x = avgPool(g, x, 2, 'avgpool');
  for (const { name, stride, inChannels, planes, outChannels } of resnet50Blocks()) {
    let y = conv(g, params, { name: `${name}.conv1`, input: x, inChannels, outChannels: planes, kernel: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn1`, input: y, channels: planes });
    y = g.node('Relu', [y], {}, `${name}.relu1`, `${name}.relu1`);
    y = conv(g, params, { name: `${name}.conv2`, input: y, inChannels: planes, outChannels: planes, kernel: 3, padding: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn2`, input: y, channels: planes });
    y = g.node('Relu', [y], {}, `${name}.relu2`, `${name}.relu2`);
    if (stride > 1) y = avgPool(g, y, stride, `${name}.avgpool`);
    y = conv(g, params, { name: `${name}.conv3`, input: y, inChannels: planes, outChannels, kernel: 1, init });
    y = batchNorm(g, params, { name: `${name}.bn3`, input: y, channels: outChannels, gamma: 0 });
    let identity = x;
    if (stride > 1 || inChannels !== outChannels) {
      if (stride > 1) identity = avgPool(g, identity, stride, `${name}.downsample.0`);
      identity = conv(g, params, { name: `${name}.downsample.1`, key: `${name}.downsample.0`, input: identity, inChannels, outChannels, kernel: 1, init });
      identity = batchNorm(g, params, { name: `${name}.downsample.2`, key: `${name}.downsample.1`, input: identity, channels: outChannels });
    }
    const sum = g.node('Add', [y, identity], {}, `${name}.add`, `${name}.add`);
    x = g.node('Relu', [sum], {}, name, `${name}.relu3`);
  }
  x = attentionPool(g, params, x);
  g.output(x, ['N', OUTPUT_DIM]);
  return g.model({ graphName: options.graphName ?? 'clip_rn50_visual', metadata: options.metadata ?? {} });
}

export function generateClipRn50(seed: number): ModelProto {
  return buildClipRn50(seededParameters(seed), {
    graphName: 'clip_rn50_visual_untrained',
    metadata: { 'unitscope.generator': 'clip-rn50', 'unitscope.seed': String(seed) },
  });
}

/** CLIP's AttentionPool2d: the mean token (plus positional embedding) attends over all 50 tokens. */
function attentionPool(g: GraphBuilder, params: ParameterSource, x: string): string {
  const spatial = 7 * 7;
  const headDim = EMBED / HEADS;
  const std = EMBED ** -0.5;
  const tokens = g.node('Transpose', [g.node('Reshape', [x, g.constInt64('attnpool.shape_nce', [0, EMBED, -1])])], { perm: [0, 2, 1] }, 'attnpool.tokens');
  const mean = g.node('ReduceMean', [tokens], { axes: [1], keepdims: 1 }, 'attnpool.mean');
  const all = g.node('Concat', [mean, tokens], { axis: 1 }, 'attnpool.concat');
  const pos = g.weight('attnpool.positional_embedding', [spatial + 1, EMBED], params.take('attnpool.positional_embedding', [spatial + 1, EMBED], (out, rng) => rng.fillNormal(out, std)));
  const withPos = g.node('Add', [all, pos], {}, 'attnpool.with_pos');
  const first = g.node('Slice', [withPos, g.constInt64('attnpool.slice_start', [0]), g.constInt64('attnpool.slice_end', [1]), g.constInt64('attnpool.slice_axis', [1])], {}, 'attnpool.query_token');
  const q = projection(g, params, 'attnpool.q_proj', 'attnpool.q_proj', first, EMBED, EMBED, std);
  const k = projection(g, params, 'attnpool.k_proj', 'attnpool.k_proj', withPos, EMBED, EMBED, std);
  const v = projection(g, params, 'attnpool.v_proj', 'attnpool.v_proj', withPos, EMBED, EMBED, std);
  const heads = g.constInt64('attnpool.shape_heads', [0, -1, HEADS, headDim]);
  const qh = g.node('Transpose', [g.node('Reshape', [q, heads])], { perm: [0, 2, 1, 3] }, 'attnpool.q_heads');
  const kh = g.node('Transpose', [g.node('Reshape', [k, heads])], { perm: [0, 2, 3, 1] }, 'attnpool.k_heads');
  const vh = g.node('Transpose', [g.node('Reshape', [v, heads])], { perm: [0, 2, 1, 3] }, 'attnpool.v_heads');
  const scale = g.weight('attnpool.scale', [], new Float32Array([1 / Math.sqrt(headDim)]));
  const scores = g.node('Mul', [g.node('MatMul', [qh, kh]), scale], {}, 'attnpool.scores');
  const attention = g.node('Softmax', [scores], { axis: -1 }, 'attnpool.attention');
  const context = g.node('Transpose', [g.node('MatMul', [attention, vh])], { perm: [0, 2, 1, 3] }, 'attnpool.context_heads');
  const flat = g.node('Reshape', [context, g.constInt64('attnpool.shape_flat', [0, EMBED])], {}, 'attnpool.context');
  return projection(g, params, 'attnpool', 'attnpool.c_proj', flat, EMBED, OUTPUT_DIM, std);
}
