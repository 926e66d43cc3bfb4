// CLIP's ViT image encoders (OpenAI's VisionTransformer), eval mode: a patch convolution, the class
// embedding before the patch tokens, positional embedding, ln_pre, residual attention blocks (ln_1 ->
// multi-head self-attention -> add, ln_2 -> MLP with QuickGELU -> add), ln_post on the class token and the
// projection. ViT-B/32, ViT-B/16 and ViT-L/14 at 224 px differ only in the numbers of CLIP_VITS.
// OpenAI runs the transformer sequence-first (L x N x D); this graph keeps the batch first (N x L x D),
// which computes the same per token, so every block output is a batch-first tensor named by its module
// path (`transformer.resblocks.{i}`). Parameters use OpenAI's names (`visual.` stripped, see weights/).
// Untrained: PyTorch's defaults, as CLIP's visual tower keeps them (CLIP's initialize_parameters only
// touches the text transformer): conv and linear layers U(+-1/sqrt(fan_in)), attention in_proj
// Xavier-uniform with zero biases, layer norms 1 and 0, and the class embedding, positional embedding and
// projection normal with std width^-0.5.
import { GraphBuilder } from '../builder.ts';
import type { ModelProto } from '../proto.ts';
import { transposedLinear } from './layers.ts';
import { seededParameters, type Draw, type ParameterSource } from './parameters.ts';

export interface ClipVitSpec {
  title: string;
  image: number;
  patch: number;
  width: number;
  layers: number;
  heads: number;
  outputDim: number;
}

/** OpenAI's ViT models (clip/model.py build_model reads these off the state dict). */
export const CLIP_VITS = {
  'clip-vit-b32': { title: 'ViT-B/32', image: 224, patch: 32, width: 768, layers: 12, heads: 12, outputDim: 512 },
  'clip-vit-b16': { title: 'ViT-B/16', image: 224, patch: 16, width: 768, layers: 12, heads: 12, outputDim: 512 },
  'clip-vit-l14': { title: 'ViT-L/14', image: 224, patch: 14, width: 1024, layers: 24, heads: 16, outputDim: 768 },
} as const satisfies Record<string, ClipVitSpec>;

export type ClipVitKind = keyof typeof CLIP_VITS;

/** The numbers every layer needs, derived once. */
interface Dims {
  width: number;
  heads: number;
  headDim: number;
  mlp: number;
}

/** nn.Linear's and nn.Conv2d's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
const uniform =
  (fanIn: number): Draw =>
  (out, rng) => {
    const bound = 1 / Math.sqrt(fanIn);
    rng.fillUniform(out, -bound, bound);
  };

/** nn.Linear as the shared transposed MatMul + Add, its MatMul node named NAME.matmul (a module path). */
function linear(g: GraphBuilder, name: string, input: string, weight: Float32Array, bias: Float32Array, inFeatures: number, outFeatures: number): string {
  return transposedLinear(g, name, input, weight, bias, inFeatures, outFeatures, `${name}.matmul`);
}

function layerNorm(g: GraphBuilder, params: ParameterSource, name: string, width: number, input: string, output?: string): string {
  const gamma = g.weight(`${name}.weight`, [width], params.take(`${name}.weight`, [width], (out) => out.fill(1)));
  const beta = g.weight(`${name}.bias`, [width], params.take(`${name}.bias`, [width], () => {}));
  // The node is named below its module ('ln_post.norm'), so a one-segment module path is still a path.
  return g.node('LayerNormalization', [input, gamma, beta], { axis: -1, epsilon: { float: 1e-5 } }, output ?? name, `${name}.norm`);
}

/** nn.MultiheadAttention(width, heads) on x [N, L, D] as query, key and value. */
function selfAttention(g: GraphBuilder, params: ParameterSource, name: string, d: Dims, x: string): string {
  const { width } = d;
  const bound = Math.sqrt(6 / (width + 3 * width)); // xavier_uniform_ of in_proj_weight [3D, D]
  const inWeight = params.take(`${name}.in_proj_weight`, [3 * width, width], (out, rng) => rng.fillUniform(out, -bound, bound));
  const inBias = params.take(`${name}.in_proj_bias`, [3 * width], () => {});
  const part = (p: number) => [inWeight.subarray(p * width * width, (p + 1) * width * width), inBias.subarray(p * width, (p + 1) * width)] as const;
  const heads = g.constInt64(`${name}.shape_heads`, [0, -1, d.heads, d.headDim]);
  const project = (p: number, role: string, perm: number[]) => {
    const [w, b] = part(p);
    const flat = linear(g, `${name}.${role}_proj`, x, w, b, width, width);
    return g.node('Transpose', [g.node('Reshape', [flat, heads], {}, `${name}.${role}_split`, `${name}.${role}_split`)], { perm }, `${name}.${role}_heads`, `${name}.${role}_heads`);
  };
  const q = project(0, 'q', [0, 2, 1, 3]);
  const k = project(1, 'k', [0, 2, 3, 1]);
  const v = project(2, 'v', [0, 2, 1, 3]);
  const scale = g.weight(`${name}.scale`, [], new Float32Array([1 / Math.sqrt(d.headDim)]));
  const scores = g.node('Mul', [g.node('MatMul', [q, k], {}, `${name}.qk`, `${name}.qk`), scale], {}, `${name}.scores`, `${name}.scores`);
  const attention = g.node('Softmax', [scores], { axis: -1 }, `${name}.softmax`, `${name}.softmax`);
  const context = g.node('Transpose', [g.node('MatMul', [attention, v], {}, `${name}.context_heads`, `${name}.context_heads`)], { perm: [0, 2, 1, 3] }, `${name}.context_tokens`, `${name}.context_tokens`);
  const merged = g.node('Reshape', [context, g.constInt64(`${name}.shape_merge`, [0, -1, width])], {}, `${name}.context`, `${name}.context`);
  const outWeight = params.take(`${name}.out_proj.weight`, [width, width], uniform(width));
  const outBias = params.take(`${name}.out_proj.bias`, [width], () => {});
  return linear(g, `${name}.out_proj`, merged, outWeight, outBias, width, width);
}

function residualBlock(g: GraphBuilder, params: ParameterSource, name: string, d: Dims, x: string): string {
  const { width, mlp } = d;
  const attended = selfAttention(g, params, `${name}.attn`, d, layerNorm(g, params, `${name}.ln_1`, width, x));
  const afterAttention = g.node('Add', [x, attended], {}, `${name}.add_1`, `${name}.add_1`);
  const h = layerNorm(g, params, `${name}.ln_2`, width, afterAttention);
  const fc = linear(g, `${name}.mlp.c_fc`, h, params.take(`${name}.mlp.c_fc.weight`, [mlp, width], uniform(width)), params.take(`${name}.mlp.c_fc.bias`, [mlp], uniform(width)), width, mlp);
  // QuickGELU: x * sigmoid(1.702 x)
  const gate = g.node('Sigmoid', [g.node('Mul', [fc, g.weight(`${name}.mlp.gelu.k`, [], new Float32Array([1.702]))], {}, `${name}.mlp.gelu.scaled`, `${name}.mlp.gelu.scaled`)], {}, `${name}.mlp.gelu.sigmoid`, `${name}.mlp.gelu.sigmoid`);
  const gelu = g.node('Mul', [fc, gate], {}, `${name}.mlp.gelu`, `${name}.mlp.gelu`);
  const proj = linear(g, `${name}.mlp.c_proj`, gelu, params.take(`${name}.mlp.c_proj.weight`, [width, mlp], uniform(mlp)), params.take(`${name}.mlp.c_proj.bias`, [width], uniform(mlp)), mlp, width);
  return g.node('Add', [afterAttention, proj], {}, name, `${name}.add_2`);
}

export interface ClipVitOptions {
  graphName?: string;
  metadata?: Record<string, string>;
}

export function buildClipVit(kind: ClipVitKind, params: ParameterSource, options: ClipVitOptions = {}): ModelProto {
  const spec: ClipVitSpec = CLIP_VITS[kind];
  const { image, patch, width } = spec;
  const d: Dims = { width, heads: spec.heads, headDim: width / spec.heads, mlp: 4 * width };
  const grid = image / patch;
  const tokenCount = grid * grid + 1;
  const g = new GraphBuilder();
  const std = width ** -0.5;
  const input = g.input('input', ['N', 3, image, image]);
  const patchShape = [width, 3, patch, patch];
  const patchWeight = g.weight('conv1.weight', patchShape, params.take('conv1.weight', patchShape, uniform(3 * patch * patch)));
  const patches = g.node('Conv', [input, patchWeight], { kernel_shape: [patch, patch], strides: [patch, patch], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, 'conv1', 'conv1');
  const tokens = g.node('Transpose', [g.node('Reshape', [patches, g.constInt64('patches.shape', [0, width, -1])], {}, 'patches.flat', 'patches.flat')], { perm: [0, 2, 1] }, 'patches.tokens', 'patches.tokens');
  // The class embedding, one per image: broadcast to [N, 1, D] by the batch of the patch tokens.
  const classEmbedding = g.weight('class_embedding', [1, 1, width], params.take('class_embedding', [width], (out, rng) => rng.fillNormal(out, std)));
  const batch = g.node('Slice', [g.node('Shape', [tokens], {}, 'patches.shape_of', 'patches.shape_of'), g.constInt64('batch.start', [0]), g.constInt64('batch.end', [1])], {}, 'batch', 'batch');
  const classShape = g.node('Concat', [batch, g.constInt64('class.shape_rest', [1, width])], { axis: 0 }, 'class.shape', 'class.shape');
  const classTokens = g.node('Expand', [classEmbedding, classShape], {}, 'class.tokens', 'class.tokens');
  const sequence = g.node('Concat', [classTokens, tokens], { axis: 1 }, 'tokens', 'tokens');
  const position = g.weight('positional_embedding', [tokenCount, width], params.take('positional_embedding', [tokenCount, width], (out, rng) => rng.fillNormal(out, std)));
  let x = g.node('Add', [sequence, position], {}, 'tokens.positioned', 'tokens.positioned');
  x = layerNorm(g, params, 'ln_pre', width, x);
  for (let i = 0; i < spec.layers; i++) x = residualBlock(g, params, `transformer.resblocks.${i}`, d, x);
  const classOut = g.node('Gather', [x, g.constInt64('class.index', [0])], { axis: 1 }, 'class_token.gather', 'class_token.gather');
  const pooled = g.node('Reshape', [classOut, g.constInt64('class_token.shape', [0, width])], {}, 'class_token', 'class_token');
  const normed = layerNorm(g, params, 'ln_post', width, pooled);
  const projection = g.weight('proj', [width, spec.outputDim], params.take('proj', [width, spec.outputDim], (out, rng) => rng.fillNormal(out, std)));
  const embedding = g.node('MatMul', [normed, projection], {}, 'embedding', 'proj');
  g.output(embedding, ['N', spec.outputDim]);
  return g.model({ graphName: options.graphName ?? `${kind.replaceAll('-', '_')}_visual`, metadata: options.metadata ?? {} });
}

export function generateClipVit(kind: ClipVitKind, seed: number): ModelProto {
  return buildClipVit(kind, seededParameters(seed), {
    graphName: `${kind.replaceAll('-', '_')}_visual_untrained`,
    metadata: { 'unitscope.generator': kind, 'unitscope.seed': String(seed) },
  });
}
