// Structure first: a graph with every node name, metadata and activation tensor name replaced by a
// number (what some converters and optimizers leave) gets the same taps as the named export, with names
// made from structure (the k-th block of the s-th grid).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { decodeModel, encodeModel, type ModelProto } from '../../../src-main/engine/onnx/proto.ts';
import { tempDir } from '../inference/helpers.ts';
import { fillStrippedWeights } from './fill-weights.ts';

const MORE = join(import.meta.dirname, '..', '..', 'fixtures', 'torch-exports-more');

/** Renames every tensor made by a node (not the graph's inputs and outputs) to t{i}; drops node names and metadata. */
function stripNames(model: ModelProto): Map<string, string> {
  const g = model.graph!;
  const keep = new Set([...(g.input ?? []), ...(g.output ?? [])].map((v) => v.name));
  const renamed = new Map<string, string>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o && !keep.has(o)) renamed.set(o, `t${renamed.size}`);
  for (const n of g.node ?? []) {
    n.name = '';
    n.metadataProps = [];
    n.input = (n.input ?? []).map((i) => renamed.get(i) ?? i);
    n.output = (n.output ?? []).map((o) => renamed.get(o) ?? o);
  }
  g.valueInfo = [];
  return renamed;
}

describe('name-stripped exports', () => {
  it.each([
    ['resnet18_torch113', /^layer[1-4]\.[01]$/, 8],
    ['mobilenet_v2_torch113', /^block\d\.\d$/, 17],
    ['tiny_vit_torch113', /^block1\.[01]$/, 2],
  ] as const)('%s: the same taps from structure alone', async (name, blockName, blocks) => {
    const dir = tempDir();
    const named = decodeModel(readFileSync(join(MORE, `${name}.weightless.onnx`)));
    fillStrippedWeights(named);
    const namedPath = join(dir, `${name}.onnx`);
    writeFileSync(namedPath, encodeModel(named));
    const renamed = stripNames(named);
    const strippedPath = join(dir, `${name}.stripped.onnx`);
    writeFileSync(strippedPath, encodeModel(named));
    const size = name.startsWith('tiny') ? ([32, 32] as const) : undefined;
    const withNames = await resolveTaps(loadModel(namedPath, size), 'auto');
    const without = await resolveTaps(loadModel(strippedPath, size), 'auto');
    expect(without.map((t) => t.tensor)).toEqual(withNames.map((t) => renamed.get(t.tensor) ?? t.tensor));
    expect(without.map(({ channels, height, width, layout, extraTokens }) => ({ channels, height, width, layout, extraTokens }))).toEqual(
      withNames.map(({ channels, height, width, layout, extraTokens }) => ({ channels, height, width, layout, extraTokens })),
    );
    const blockNames = without.filter((t) => t.name !== 'stem' && !['avgpool', 'class_token'].includes(t.name)).map((t) => t.name);
    expect(blockNames).toHaveLength(blocks);
    for (const b of blockNames) expect(b).toMatch(blockName);
    expect(new Set(blockNames).size).toBe(blocks);
    rmSync(dir, { recursive: true, force: true });
  });
});
