// Weights with no data: a weights-stripped file (the test fixtures, or a file cut down to share its
// structure). Such a file can be inspected, since shapes do not depend on weight values, but not run.
import { DataType, toNumber, type ModelProto, type TensorProto } from './proto.ts';
import { externalLocation } from './read.ts';

function hasData(t: TensorProto): boolean {
  return (t.rawData?.length ?? 0) > 0 || (t.floatData?.length ?? 0) > 0 || (t.doubleData?.length ?? 0) > 0 || (t.int32Data?.length ?? 0) > 0 || (t.int64Data?.length ?? 0) > 0;
}

function elementCount(t: TensorProto): number {
  return (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1);
}

/** Names of the initializers that should hold numbers but hold none (and are not stored externally). */
export function missingWeights(model: ModelProto): string[] {
  return (model.graph?.initializer ?? []).filter((t) => elementCount(t) > 0 && !hasData(t) && externalLocation(t) === undefined).map((t) => t.name ?? '');
}

const BYTES: Partial<Record<number, number>> = { [DataType.FLOAT]: 4, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8, [DataType.INT64]: 8, [DataType.INT32]: 4, [DataType.INT8]: 1, [DataType.UINT8]: 1, [DataType.BOOL]: 1 };

/** Gives every weight without data zeros of its shape, in new tensor objects (the caller's copy only). */
export function zeroFillWeights(model: ModelProto): void {
  const g = model.graph!;
  g.initializer = (g.initializer ?? []).map((t) => (elementCount(t) > 0 && !hasData(t) && externalLocation(t) === undefined ? { ...t, rawData: new Uint8Array(elementCount(t) * (BYTES[t.dataType ?? 0] ?? 4)) } : t));
}
