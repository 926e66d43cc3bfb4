// `model inspect`: a model file's graph and candidate taps, without adding it to a project. Works on
// weights-stripped files too (shapes do not depend on weight values), saying how many weights are missing.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InspectedTensor, ModelInspection } from '../../contract/models.ts';
import { tapUnits } from '../pipeline-types.ts';
import { loadModel, planModelTaps } from '../inference/model-graph.ts';
import { summarizeGraph, type Dim } from '../onnx/inspect.ts';
import { DataType } from '../onnx/proto.ts';

const TYPE_NAMES = new Map<number, string>(Object.entries(DataType).map(([name, code]) => [code, name.toLowerCase()]));

function tensorOf(t: { name: string; shape: Dim[]; elemType: number }): InspectedTensor {
  return { name: t.name, shape: t.shape, elemType: TYPE_NAMES.get(t.elemType) ?? `type ${t.elemType}` };
}

export async function inspectModelFile(file: string, size?: readonly [number, number]): Promise<ModelInspection> {
  const path = resolve(file);
  const loaded = loadModel(path, size);
  const summary = summarizeGraph(loaded.model);
  const { plan, missingWeights } = await planModelTaps(loaded, { zeroFillMissing: true });
  return {
    file: path,
    bytes: statSync(path).size,
    producer: summary.producer,
    irVersion: summary.irVersion,
    opset: summary.opset,
    inputs: summary.inputs.map(tensorOf),
    outputs: summary.outputs.map(tensorOf),
    imageInput: { ...loaded.input },
    nodeCount: summary.nodeCount,
    opCounts: summary.opTypes,
    family: plan.family,
    familyTitle: plan.familyTitle,
    found: plan.family === null ? plan.found : null,
    stages: plan.stageTitles,
    candidates: plan.candidates.map((p) => ({ ...p.shape, units: tapUnits(p.shape), op: p.op, role: p.role, stage: p.stage, auto: p.auto, stages: p.stages, dims: p.dims })),
    missingWeights,
  };
}
