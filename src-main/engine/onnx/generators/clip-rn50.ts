// Untrained CLIP RN50 image encoder (OpenAI's ModifiedResNet), eval mode, with CLIP's own
// initialize_parameters: three 3x3 stem convs and a 2x2 average pool; anti-aliased strided blocks (an
// average pool before the strided paths); attention pooling head (32 heads, 1024-d output).
// Convs keep nn.Conv2d's default init, bn3 weights are zero (CLIP zero-inits the last BN of every
// block), attention projections are normal with std = in_features^-0.5, the positional embedding
// normal / sqrt(2048).
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { SeededRandom } from '../random.ts';
import { batchNorm, conv } from './layers.ts';
import { RESNET50_STAGES } from './resnet50.ts';

const EMBED = 2048;
const HEADS = 32;
const OUTPUT_DIM = 1024;

function avgPool(g: GraphBuilder, input: string, stride: number, output: string): string {
  return g.node('AveragePool', [input], { kernel_shape: [stride, stride], strides: [stride, stride] }, output, output);
}

/** y = x W^T + b for x [..., in], as MatMul with a pre-transposed weight plus Add. */
function projection(g: GraphBuilder, rng: SeededRandom, name: string, input: string, inFeatures: number, outFeatures: number, std: number): string {
  const w = rng.fillNormal(new Float32Array(inFeatures * outFeatures), std);
  const bound = 1 / Math.sqrt(inFeatures);
  const bias = rng.fillUniform(new Float32Array(outFeatures), -bound, bound);
  // Stored transposed ([in, out]) so MatMul needs no Transpose node.
  const wt = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) wt[i * outFeatures + o] = w[o * inFeatures + i]!;
  const weight = g.weight(`${name}.weight_t`, [inFeatures, outFeatures], wt);
  const b = g.weight(`${name}.bias`, [outFeatures], bias);
  const product = g.node('MatMul', [input, weight], {}, `${name}.matmul`);
  return g.node('Add', [product, b], {}, name, name);
}

export function generateClipRn50(seed: number): ModelProto {
  const rng = new SeededRandom(seed);
  const g = new GraphBuilder();
  const init = 'torch-default' as const;
  let x = g.input('input', ['N', 3, 224, 224]);
  x = conv(g, rng, { name: 'conv1', input: x, inChannels: 3, outChannels: 32, kernel: 3, stride: 2, padding: 1, init });
  x = batchNorm(g, 'bn1', x, 32);
  x = g.node('Relu', [x], {}, 'relu1', 'relu1');
  x = conv(g, rng, { name: 'conv2', input: x, inChannels: 32, outChannels: 32, kernel: 3, padding: 1, init });
  x = batchNorm(g, 'bn2', x, 32);
  x = g.node('Relu', [x], {}, 'relu2', 'relu2');
  x = conv(g, rng, { name: 'conv3', input: x, inChannels: 32, outChannels: 64, kernel: 3, padding: 1, init });
  x = batchNorm(g, 'bn3', x, 64);
  x = g.node('Relu', [x], {}, 'relu3', 'relu3');
  x = avgPool(g, x, 2, 'avgpool');
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
      y = conv(g, rng, { name: `${name}.conv2`, input: y, inChannels: planes, outChannels: planes, kernel: 3, padding: 1, init });
      y = batchNorm(g, `${name}.bn2`, y, planes);
      y = g.node('Relu', [y], {}, `${name}.relu2`, `${name}.relu2`);
      if (stride > 1) y = avgPool(g, y, stride, `${name}.avgpool`);
      y = conv(g, rng, { name: `${name}.conv3`, input: y, inChannels: planes, outChannels, kernel: 1, init });
      y = batchNorm(g, `${name}.bn3`, y, outChannels, 0);
      let identity = x;
      if (stride > 1 || inChannels !== outChannels) {
        if (stride > 1) identity = avgPool(g, identity, stride, `${name}.downsample.0`);
        identity = conv(g, rng, { name: `${name}.downsample.1`, input: identity, inChannels, outChannels, kernel: 1, init });
        identity = batchNorm(g, `${name}.downsample.2`, identity, outChannels);
      }
      const sum = g.node('Add', [y, identity], {}, `${name}.add`, `${name}.add`);
      x = g.node('Relu', [sum], {}, name, `${name}.relu3`);
      inChannels = outChannels;
    }
  });
  x = attentionPool(g, rng, x);
  g.output(x, ['N', OUTPUT_DIM]);
  return g.model({ graphName: 'clip_rn50_visual_untrained', metadata: { 'unitscope.generator': 'clip-rn50', 'unitscope.seed': String(seed) } });
}

/** CLIP's AttentionPool2d: the mean token (plus positional embedding) attends over all 50 tokens. */
function attentionPool(g: GraphBuilder, rng: SeededRandom, x: string): string {
  const spatial = 7 * 7;
  const headDim = EMBED / HEADS;
  const std = EMBED ** -0.5;
  const tokens = g.node('Transpose', [g.node('Reshape', [x, g.constInt64('attnpool.shape_nce', [0, EMBED, -1])])], { perm: [0, 2, 1] }, 'attnpool.tokens');
  const mean = g.node('ReduceMean', [tokens], { axes: [1], keepdims: 1 }, 'attnpool.mean');
  const all = g.node('Concat', [mean, tokens], { axis: 1 }, 'attnpool.concat');
  const pos = g.weight('attnpool.positional_embedding', [spatial + 1, EMBED], rng.fillNormal(new Float32Array((spatial + 1) * EMBED), std));
  const withPos = g.node('Add', [all, pos], {}, 'attnpool.with_pos');
  const first = g.node('Slice', [withPos, g.constInt64('attnpool.slice_start', [0]), g.constInt64('attnpool.slice_end', [1]), g.constInt64('attnpool.slice_axis', [1])], {}, 'attnpool.query_token');
  const q = projection(g, rng, 'attnpool.q_proj', first, EMBED, EMBED, std);
  const k = projection(g, rng, 'attnpool.k_proj', withPos, EMBED, EMBED, std);
  const v = projection(g, rng, 'attnpool.v_proj', withPos, EMBED, EMBED, std);
  const heads = g.constInt64('attnpool.shape_heads', [0, -1, HEADS, headDim]);
  const qh = g.node('Transpose', [g.node('Reshape', [q, heads])], { perm: [0, 2, 1, 3] }, 'attnpool.q_heads');
  const kh = g.node('Transpose', [g.node('Reshape', [k, heads])], { perm: [0, 2, 3, 1] }, 'attnpool.k_heads');
  const vh = g.node('Transpose', [g.node('Reshape', [v, heads])], { perm: [0, 2, 1, 3] }, 'attnpool.v_heads');
  const scale = g.weight('attnpool.scale', [], new Float32Array([1 / Math.sqrt(headDim)]));
  const scores = g.node('Mul', [g.node('MatMul', [qh, kh]), scale], {}, 'attnpool.scores');
  const attention = g.node('Softmax', [scores], { axis: -1 }, 'attnpool.attention');
  const context = g.node('Transpose', [g.node('MatMul', [attention, vh])], { perm: [0, 2, 1, 3] }, 'attnpool.context_heads');
  const flat = g.node('Reshape', [context, g.constInt64('attnpool.shape_flat', [0, EMBED])], {}, 'attnpool.context');
  return projection(g, rng, 'attnpool', flat, EMBED, OUTPUT_DIM, std);
}
