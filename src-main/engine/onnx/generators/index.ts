import type { GeneratorKind } from '../../../contract/models.ts';
import type { ModelProto } from '../proto.ts';
import { generateClipRn50 } from './clip-rn50.ts';
import { generateClipVitB32 } from './clip-vit.ts';
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
      return generateClipVitB32(seed);
  }
}

export { generateClipRn50, generateClipVitB32, generateResnet50, generateTiny };
