import type { ModelProto } from '../proto.ts';
import { generateClipRn50 } from './clip-rn50.ts';
import { generateResnet50 } from './resnet50.ts';
import { generateTiny } from './tiny.ts';

export const GENERATOR_KINDS = ['tiny', 'resnet50', 'clip-rn50'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

export function generate(kind: GeneratorKind, seed: number): ModelProto {
  switch (kind) {
    case 'tiny':
      return generateTiny(seed);
    case 'resnet50':
      return generateResnet50(seed);
    case 'clip-rn50':
      return generateClipRn50(seed);
  }
}

export { generateClipRn50, generateResnet50, generateTiny };
