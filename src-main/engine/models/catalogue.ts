// Pretrained models the app can fetch, each pinned to a commit of the repository that publishes it and
// to the file's sha256, so what lands in a project is byte for byte what the entry describes.
// ResNet-50 comes as timm's safetensors of torchvision's own IMAGENET1K_V1 weights, which the app turns
// into ONNX with its own builder (torchvision-exact, tensors named by module); the CLIP RN50 towers are
// immich's ONNX exports, used as published (their tensor names come from a traced export and an
// optimizer, so the taps are found by structure and checked against the shapes below); the CLIP ViTs are
// OpenAI's own TorchScript files, read as weights (never run) into the app's VisionTransformer builder.
import type { CatalogueEntry, CatalogueTap } from '../../contract/models.ts';
import type { SessionInfo } from '../../contract/types.ts';
import { OPEN_POLICY, SERVE_POLICY, type UrlPolicy } from '../downloads/url-policy.ts';
import { EngineError } from '../errors.ts';
import { labCatalogue } from './lab-catalogue.ts';
import { CLIP_VITS, type ClipVitKind } from '../onnx/generators/clip-vit.ts';
import { resnet50Blocks } from '../onnx/generators/resnet50.ts';

/** A CLIP ViT's taps as the app's builder names them: ln_pre, each resblock (1 + grid x grid tokens x width), ln_post. */
function clipVitTaps(kind: ClipVitKind): CatalogueTap[] {
  const { image, patch, width, layers } = CLIP_VITS[kind];
  const tokens: [number, number, number] = [width, image / patch, image / patch];
  const blocks = Array.from({ length: layers }, (_, i): CatalogueTap => ({ name: `transformer.resblocks.${i}`, tensor: `transformer.resblocks.${i}`, shape: tokens }));
  return [{ name: 'stem', tensor: 'ln_pre', shape: tokens }, ...blocks, { name: 'ln_post', tensor: 'ln_post', shape: [width, 1, 1] }];
}

/**
 * One of OpenAI's own CLIP ViT files, from the URL the clip package uses: OpenAI put each file's sha256 in
 * its path, and the package checks it. TorchScript, float16, the whole CLIP (the text tower is ignored).
 */
function openaiVitEntry(kind: ClipVitKind, sha256: string, approxBytes: number): CatalogueEntry {
  const { title, patch, width, layers, heads, outputDim } = CLIP_VITS[kind];
  const file = `${title.replace('/', '-')}.pt`;
  return {
    name: `${kind}-openai`,
    title: `CLIP ${title} image encoder (OpenAI)`,
    architecture: `CLIP ${title} image tower (VisionTransformer: ${patch} px patches, ${layers} blocks of ${heads}-head attention at width ${width}, class token projected to ${outputDim}-d)`,
    trainingData: "OpenAI's WIT (400 M image-text pairs), contrastive",
    licence: 'MIT',
    url: `https://openaipublic.azureedge.net/clip/models/${sha256}/${file}`,
    sha256,
    bytes: null,
    approxBytes,
    format: 'pytorch',
    builder: kind,
    preset: 'clip',
    inputName: 'input',
    outputName: 'embedding',
    fixedBatch: null,
    taps: clipVitTaps(kind),
    companions: [],
    origin: 'builtin',
    notes: `OpenAI's TorchScript ${file} (float16, the whole CLIP: the text tower is ignored), read as weights without running any of it; the app builds the ONNX graph itself, tensors named by module.`,
  };
}

/** The 16 bottleneck outputs of a ResNet-50 at 224 px (the stem leaves 56 x 56): layer1.0 256x56x56 ... layer4.2 2048x7x7. */
function resnetBlocks(tensorIsName: boolean): CatalogueTap[] {
  let side = 56;
  return resnet50Blocks().map(({ name, stride, outChannels }): CatalogueTap => {
    side /= stride;
    return { name, tensor: tensorIsName ? name : null, shape: [outChannels, side, side] };
  });
}

const IMMICH_PREPROCESS = 'preprocess_cfg.json';

function immichEntry(name: string, repo: string, commit: string, sha256: string, trainingData: string, licence: string, title: string): CatalogueEntry {
  const base = `https://huggingface.co/immich-app/${repo}/resolve/${commit}/visual`;
  return {
    name,
    title,
    architecture: 'CLIP RN50 image tower (ModifiedResNet-50: three-conv stem, anti-aliased bottlenecks, attention pooling to 1024-d), L2-normalized output',
    trainingData,
    licence,
    url: `${base}/model.onnx`,
    sha256,
    bytes: null,
    approxBytes: 153_000_000,
    format: 'onnx',
    builder: null,
    preset: 'clip',
    inputName: 'image',
    outputName: 'image_embedding',
    fixedBatch: 1,
    taps: [{ name: 'stem', tensor: null, shape: [64, 56, 56] }, ...resnetBlocks(false)],
    companions: [{ role: 'preprocess_cfg', url: `${base}/${IMMICH_PREPROCESS}` }],
    origin: 'builtin',
    notes: `immich's export (torch.jit.trace + torch.onnx.export, opset 17, then optimized); its ${IMMICH_PREPROCESS} beside it names the preprocessing and is checked against the clip preset.`,
  };
}

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    name: 'resnet50-imagenet-v1',
    title: 'ResNet-50, ImageNet (torchvision IMAGENET1K_V1)',
    architecture: 'torchvision resnet50 (v1.5: stride on the 3x3 conv), 1000-way classifier',
    trainingData: 'ImageNet-1k (ILSVRC 2012), supervised',
    licence: 'BSD-3-Clause',
    url: 'https://huggingface.co/timm/resnet50.tv_in1k/resolve/aa6c2d36d56bc0209040c02b5a7b7d7bf11d57b8/model.safetensors',
    sha256: '5d061a3c593d795bfe682d9b152bafbcf550579873492def3515b46db1189888',
    bytes: null,
    approxBytes: 102_500_000,
    format: 'safetensors',
    builder: 'resnet50',
    preset: 'imagenet',
    inputName: 'input',
    outputName: 'logits',
    fixedBatch: null,
    taps: [{ name: 'stem', tensor: 'maxpool', shape: [64, 56, 56] }, ...resnetBlocks(true), { name: 'avgpool', tensor: 'avgpool', shape: [2048, 1, 1] }],
    companions: [],
    origin: 'builtin',
    notes: "timm's resnet50.tv_in1k: torchvision's own IMAGENET1K_V1 weights (76.13 % top-1) as safetensors; the app builds the ONNX graph itself, tensors named by module.",
  },
  immichEntry(
    'clip-rn50-openai',
    'RN50__openai',
    'c30c7a1185467df12ba8b717bcd4c333b764af6d',
    '318cb448a1c6d7555cd5581302c523665694ef0445a278988791fd2c66ae6c70',
    "OpenAI's WIT (400 M image-text pairs), contrastive",
    'MIT',
    'CLIP RN50 image encoder (OpenAI)',
  ),
  immichEntry(
    'clip-rn50-yfcc15m',
    'RN50__yfcc15m',
    '74cb1fa084394c1666f2aa045cbec875ba145637',
    '59fd92158e5621d8543498662537c52b17b398bc619306d64a2438d9d84062da',
    'YFCC-15M (15 M image-text pairs), contrastive, trained by OpenCLIP',
    'MIT',
    'CLIP RN50 image encoder (OpenCLIP, YFCC-15M)',
  ),
  openaiVitEntry('clip-vit-b32', '40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af', 354_000_000),
  openaiVitEntry('clip-vit-b16', '5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f', 352_000_000),
  openaiVitEntry('clip-vit-l14', 'b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836', 933_000_000),
];

/** The built-in entries followed by the lab's own (UNITSCOPE_CATALOGUE), names unique. */
export function catalogue(env: NodeJS.ProcessEnv = process.env): CatalogueEntry[] {
  const lab = labCatalogue(env);
  const clash = lab.find((e) => CATALOGUE.some((b) => b.name === e.name));
  if (clash) throw new EngineError('bad_input', `${env.UNITSCOPE_CATALOGUE}: entry ${clash.name} has the name of a built-in entry; choose another`, { file: env.UNITSCOPE_CATALOGUE ?? '' });
  return [...CATALOGUE, ...lab];
}

export function catalogueEntry(name: string, env: NodeJS.ProcessEnv = process.env): CatalogueEntry {
  const entries = catalogue(env);
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new EngineError('not_found', `no catalogue entry named '${name}'; the catalogue has ${entries.map((e) => e.name).join(', ')}`);
  return entry;
}

/**
 * The URL policy downloads run under. The CLI and desktop fetch what the user names; serve mode only
 * https from public addresses, plus the origins of the lab catalogue, which the server's owner chose.
 */
export function downloadPolicy(mode: SessionInfo['mode'], env: NodeJS.ProcessEnv = process.env): UrlPolicy {
  if (mode !== 'serve') return OPEN_POLICY;
  const origins = catalogue(env)
    .filter((e) => e.origin === 'lab')
    .flatMap((e) => [e.url, ...e.companions.map((c) => c.url)])
    .map((u) => new URL(u).origin);
  return { ...SERVE_POLICY, trustedOrigins: [...new Set(origins)] };
}
