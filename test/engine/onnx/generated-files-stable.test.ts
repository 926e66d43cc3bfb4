// Users already made untrained controls: the same kind and seed must keep giving the same file, byte for
// byte, whatever the builders learn (imported weights go through the same code). The hashes were taken
// from the generators before they took their parameters from a ParameterSource.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generate, type GeneratorKind } from '../../../src-main/engine/onnx/generators/index.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';

const KNOWN: [GeneratorKind, number, string][] = [
  ['tiny', 0, 'c17231f58992d5fe28db4df2189238284ba7d2ec953ee0548a7a139253481cd4'],
  ['tiny', 7, '90cd8202b698596beb7f09ad58f268c148b2b202ed8e93b79c5104a4f6db0f6d'],
  ['resnet50', 0, '18a87dbe2a3617a42a2f8e2b754ebe73faedad49f67d2a8131efa0570ee3f476'],
  ['resnet50', 7, '6a2c8a17aafffca2a796f8ba9a8d9fa81df050feb3be960170aaf82d954946ae'],
  ['clip-rn50', 0, 'db10363a11db2750099ab7d47f9e9cfb3d8b58badf212f50248a4a50c0ec9c0f'],
  ['clip-rn50', 7, 'ccd9c169be0e9017f88a37a3c9f1c0c613c54c6bf1535cede29d8dcc218cc22a'],
  // Pinned when the kind was added (2026-12-01).
  ['clip-vit-b32', 0, '6611c24d5fc6d42491b94d72aab34573c217d01780596732c41bdb9a8045426a'],
  ['clip-vit-b32', 7, '7e03793052904397db5550430e27272b0e8775a4fa13775f215883cf58feaa9c'],
  ['clip-vit-b16', 0, '926ad2402324f744a9565e6c4ae68b0e202893abd2405f09bd729bc009d87964'],
  ['clip-vit-b16', 7, 'e10a0675784c2bcc403d24e400642940303b109370ae07afb8a181fc2e942a67'],
  ['clip-vit-l14', 0, '3e90751736d26e72456336926e39b3be41671a39df5cae42dca77e138c8c8b78'],
];

describe('generated untrained controls', () => {
  it.each(KNOWN)('%s seed %i is byte-identical to the files users already made', (kind, seed, sha256) => {
    expect(createHash('sha256').update(encodeModel(generate(kind, seed))).digest('hex')).toBe(sha256);
  });
});
