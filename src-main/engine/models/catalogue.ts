// Pretrained models the app knows how to set up. Neither torchvision nor OpenAI publishes these as ONNX,
// so the catalogue gives the export command (resources/export/export_models.py, for users with PyTorch)
// and the downloader takes a URL the user provides (a lab mirror of an exported file), with its sha256.
import type { CatalogueEntry } from '../../contract/models.ts';

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'resnet50',
    title: 'ResNet-50 (torchvision, ImageNet)',
    description: 'torchvision resnet50 with IMAGENET1K_V1 weights (the v1.5 layout), exported with named block outputs; preprocessing imagenet.',
    url: null,
    exportCommand: 'python3 resources/export/export_models.py resnet50 --weights IMAGENET1K_V1 --out resnet50.onnx',
    bytes: null,
    sha256: null,
    preset: 'imagenet',
    taps: 'auto',
  },
  {
    id: 'clip-rn50',
    title: 'CLIP RN50 image encoder (OpenAI)',
    description: 'The visual tower of OpenAI CLIP RN50 (ModifiedResNet-50 with attention pooling, 1024-d embedding); preprocessing clip.',
    url: null,
    exportCommand: 'python3 resources/export/export_models.py clip-rn50 --out clip_rn50_visual.onnx',
    bytes: null,
    sha256: null,
    preset: 'clip',
    taps: 'auto',
  },
];

export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.id === id);
}
