// CLIP ViT-B/32 image encoder (OpenAI's VisionTransformer), eval mode: a 32 px patch convolution, the
// class embedding before the 7 x 7 patch tokens, positional embedding, ln_pre, 12 residual attention
// blocks (ln_1 -> 12-head self-attention -> add, ln_2 -> MLP with QuickGELU -> add), ln_post on the class
// token and the 768 -> 512 projection. OpenAI runs the transformer sequence-first (L x N x D); this graph
// keeps the batch first (N x L x D), which computes the same per token, so every block output is a
// batch-first tensor named by its module path (`transformer.resblocks.{i}`). Parameters use OpenAI's
// names (`visual.` stripped, see weights/). Untrained: PyTorch's defaults, as CLIP's visual tower keeps
// them (CLIP's initialize_parameters only touches the text transformer): conv and linear layers
// U(+-1/sqrt(fan_in)), attention in_proj Xavier-uniform with zero biases, layer norms 1 and 0, and the
// class embedding, positional embedding and projection normal with std width^-0.5.
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { seededParameters, type Draw, type ParameterSource } from './parameters.ts';

const IMAGE = 224;
const PATCH = 32;
const WIDTH = 768;
const LAYERS = 12;
const HEADS = 12;
const OUTPUT_DIM = 512;
const GRID = IMAGE / PATCH;
const TOKENS = GRID * GRID + 1;
const HEAD_DIM = WIDTH / HEADS;
const MLP = 4 * WIDTH;

/** nn.Linear's and nn.Conv2d's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
const uniform =
  (fanIn: number): Draw =>
  (out, rng) => {
    const bound = 1 / Math.sqrt(fanIn);
    rng.fillUniform(out, -bound, bound);
  };

/** x W^T + b for x [..., in]: MatMul with the weight stored transposed ([in, out]), then Add. */
function linear(g: GraphBuilder, name: string, input: string, weight: Float32Array, bias: Float32Array, inFeatures: number, outFeatures: number, output?: string): string {
  const wt = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) wt[i * outFeatures + o] = weight[o * inFeatures + i]!;
  const product = g.node('MatMul', [input, g.weight(`${name}.weight_t`, [inFeatures, outFeatures], wt)], {}, `${name}.matmul`, `${name}.matmul`);
  return g.node('Add', [product, g.weight(`${name}.bias`, [outFeatures], bias)], {}, output ?? name, name);
}

function layerNorm(g: GraphBuilder, params: ParameterSource, name: string, input: string, output?: string): string {
  const gamma = g.weight(`${name}.weight`, [WIDTH], params.take(`${name}.weight`, [WIDTH], (out) => out.fill(1)));
  const beta = g.weight(`${name}.bias`, [WIDTH], params.take(`${name}.bias`, [WIDTH], () => {}));
  // The node is named below its module ('ln_post.norm'), so a one-segment module path is still a path.
  return g.node('LayerNormalization', [input, gamma, beta], { axis: -1, epsilon: { float: 1e-5 } }, output ?? name, `${name}.norm`);
}

/** nn.MultiheadAttention(WIDTH, HEADS) on x [N, L, D] as query, key and value. */
function selfAttention(g: GraphBuilder, params: ParameterSource, name: string, x: string): string {
  const bound = Math.sqrt(6 / (WIDTH + 3 * WIDTH)); // xavier_uniform_ of in_proj_weight [3D, D]
  const inWeight = params.take(`${name}.in_proj_weight`, [3 * WIDTH, WIDTH], (out, rng) => rng.fillUniform(out, -bound, bound));
  const inBias = params.take(`${name}.in_proj_bias`, [3 * WIDTH], () => {});
  const part = (p: number) => [inWeight.subarray(p * WIDTH * WIDTH, (p + 1) * WIDTH * WIDTH), inBias.subarray(p * WIDTH, (p + 1) * WIDTH)] as const;
  const heads = g.constInt64(`${name}.shape_heads`, [0, -1, HEADS, HEAD_DIM]);
  const project = (p: number, role: string, perm: number[]) => {
    const [w, b] = part(p);
    const flat = linear(g, `${name}.${role}_proj`, x, w, b, WIDTH, WIDTH);
    return g.node('Transpose', [g.node('Reshape', [flat, heads], {}, `${name}.${role}_split`, `${name}.${role}_split`)], { perm }, `${name}.${role}_heads`, `${name}.${role}_heads`);
  };
  const q = project(0, 'q', [0, 2, 1, 3]);
  const k = project(1, 'k', [0, 2, 3, 1]);
  const v = project(2, 'v', [0, 2, 1, 3]);
  const scale = g.weight(`${name}.scale`, [], new Float32Array([1 / Math.sqrt(HEAD_DIM)]));
  const scores = g.node('Mul', [g.node('MatMul', [q, k], {}, `${name}.qk`, `${name}.qk`), scale], {}, `${name}.scores`, `${name}.scores`);
  const attention = g.node('Softmax', [scores], { axis: -1 }, `${name}.softmax`, `${name}.softmax`);
  const context = g.node('Transpose', [g.node('MatMul', [attention, v], {}, `${name}.context_heads`, `${name}.context_heads`)], { perm: [0, 2, 1, 3] }, `${name}.context_tokens`, `${name}.context_tokens`);
  const merged = g.node('Reshape', [context, g.constInt64(`${name}.shape_merge`, [0, -1, WIDTH])], {}, `${name}.context`, `${name}.context`);
  const outWeight = params.take(`${name}.out_proj.weight`, [WIDTH, WIDTH], uniform(WIDTH));
  const outBias = params.take(`${name}.out_proj.bias`, [WIDTH], () => {});
  return linear(g, `${name}.out_proj`, merged, outWeight, outBias, WIDTH, WIDTH);
}

function residualBlock(g: GraphBuilder, params: ParameterSource, name: string, x: string): string {
  const attended = selfAttention(g, params, `${name}.attn`, layerNorm(g, params, `${name}.ln_1`, x));
  const afterAttention = g.node('Add', [x, attended], {}, `${name}.add_1`, `${name}.add_1`);
  const h = layerNorm(g, params, `${name}.ln_2`, afterAttention);
  const fc = linear(g, `${name}.mlp.c_fc`, h, params.take(`${name}.mlp.c_fc.weight`, [MLP, WIDTH], uniform(WIDTH)), params.take(`${name}.mlp.c_fc.bias`, [MLP], uniform(WIDTH)), WIDTH, MLP);
  // QuickGELU: x * sigmoid(1.702 x)
  const gate = g.node('Sigmoid', [g.node('Mul', [fc, g.weight(`${name}.mlp.gelu.k`, [], new Float32Array([1.702]))], {}, `${name}.mlp.gelu.scaled`, `${name}.mlp.gelu.scaled`)], {}, `${name}.mlp.gelu.sigmoid`, `${name}.mlp.gelu.sigmoid`);
  const gelu = g.node('Mul', [fc, gate], {}, `${name}.mlp.gelu`, `${name}.mlp.gelu`);
  const proj = linear(g, `${name}.mlp.c_proj`, gelu, params.take(`${name}.mlp.c_proj.weight`, [WIDTH, MLP], uniform(MLP)), params.take(`${name}.mlp.c_proj.bias`, [WIDTH], uniform(MLP)), MLP, WIDTH);
  return g.node('Add', [afterAttention, proj], {}, name, `${name}.add_2`);
}

export interface ClipVitOptions {
  graphName?: string;
  metadata?: Record<string, string>;
}

export function buildClipVitB32(params: ParameterSource, options: ClipVitOptions = {}): ModelProto {
  const g = new GraphBuilder();
  const std = WIDTH ** -0.5;
  const input = g.input('input', ['N', 3, IMAGE, IMAGE]);
  const patchShape = [WIDTH, 3, PATCH, PATCH];
  const patchWeight = g.weight('conv1.weight', patchShape, params.take('conv1.weight', patchShape, uniform(3 * PATCH * PATCH)));
  const patches = g.node('Conv', [input, patchWeight], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, 'conv1', 'conv1');
  const tokens = g.node('Transpose', [g.node('Reshape', [patches, g.constInt64('patches.shape', [0, WIDTH, -1])], {}, 'patches.flat', 'patches.flat')], { perm: [0, 2, 1] }, 'patches.tokens', 'patches.tokens');
  // The class embedding, one per image: broadcast to [N, 1, D] by the batch of the patch tokens.
  const classEmbedding = g.weight('class_embedding', [1, 1, WIDTH], params.take('class_embedding', [WIDTH], (out, rng) => rng.fillNormal(out, std)));
  const batch = g.node('Slice', [g.node('Shape', [tokens], {}, 'patches.shape_of', 'patches.shape_of'), g.constInt64('batch.start', [0]), g.constInt64('batch.end', [1])], {}, 'batch', 'batch');
  const classShape = g.node('Concat', [batch, g.constInt64('class.shape_rest', [1, WIDTH])], { axis: 0 }, 'class.shape', 'class.shape');
  const classTokens = g.node('Expand', [classEmbedding, classShape], {}, 'class.tokens', 'class.tokens');
  const sequence = g.node('Concat', [classTokens, tokens], { axis: 1 }, 'tokens', 'tokens');
  const position = g.weight('positional_embedding', [TOKENS, WIDTH], params.take('positional_embedding', [TOKENS, WIDTH], (out, rng) => rng.fillNormal(out, std)));
  let x = g.node('Add', [sequence, position], {}, 'tokens.positioned', 'tokens.positioned');
  x = layerNorm(g, params, 'ln_pre', x);
  for (let i = 0; i < LAYERS; i++) x = residualBlock(g, params, `transformer.resblocks.${i}`, x);
  const classOut = g.node('Gather', [x, g.constInt64('class.index', [0])], { axis: 1 }, 'class_token.gather', 'class_token.gather');
  const pooled = g.node('Reshape', [classOut, g.constInt64('class_token.shape', [0, WIDTH])], {}, 'class_token', 'class_token');
  const normed = layerNorm(g, params, 'ln_post', pooled);
  const projection = g.weight('proj', [WIDTH, OUTPUT_DIM], params.take('proj', [WIDTH, OUTPUT_DIM], (out, rng) => rng.fillNormal(out, std)));
  const embedding = g.node('MatMul', [normed, projection], {}, 'embedding', 'proj');
  g.output(embedding, ['N', OUTPUT_DIM]);
  return g.model({ graphName: options.graphName ?? 'clip_vit_b32_visual', metadata: options.metadata ?? {} });
}

export function generateClipVitB32(seed: number): ModelProto {
  return buildClipVitB32(seededParameters(seed), {
    graphName: 'clip_vit_b32_visual_untrained',
    metadata: { 'unitscope.generator': 'clip-vit-b32', 'unitscope.seed': String(seed) },
  });
}
