import type { GeneratorKind } from '../../../contract/models.ts';
import type { ModelProto } from '../proto.ts';
import { generateClipRn50 } from './clip-rn50.ts';
import { generateClipVit } from './clip-vit.ts';
import { generateResnet50 } from './resnet50.ts';
import { generateTiny } from './tiny.ts';

export { GENERATOR_KINDS, type GeneratorKind } from '../../../contract/models.ts';

export function generate(kind: GeneratorKind, seed: number): ModelProto {
  switch (kind) {
    case 'tiny':
      return generateTiny(seed);
    case 'resnet50':
      return generateResnet50(seed);
    case 'clip-rn50':
      return generateClipRn50(seed);
    case 'clip-vit-b32':
    case 'clip-vit-b16':
    case 'clip-vit-l14':
      return generateClipVit(kind, seed);
  }
}

export { generateClipRn50, generateClipVit, generateResnet50, generateTiny };
