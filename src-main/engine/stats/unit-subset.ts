// The seeded, stratified subset of a layer's units whose per-image responses the image bootstrap uses
// (docs/method.md#unit-subset). Two strata, so that every metric is estimated without bias:
// - the channel stratum: every channel at the same seeded sample of positions, for the proportion, the CSI,
//   the activation and the feature-map (channel) metrics, which need every channel represented equally;
// - the spatial stratum: every position in the same seeded sample of channels, for the spatial metrics.
// A layer with one grid position (1-D outputs) has no spatial stratum. Positions are the tap's own
// (pipeline-types.ts: a transformer's class token is a position outside the grid).
import { tapPositions, type TapShape } from '../pipeline-types.ts';
import { createRng, type Rng } from '../random.ts';

export interface UnitSubset {
  /** Every unit of the subset, ascending flat indices (the tap's layout: docs/method.md#units). */
  units: Int32Array;
  /** Columns (indices into `units`) of the channel stratum. */
  channelStratum: Int32Array;
  /** Columns of the spatial stratum (empty for a 1 x 1 map). */
  spatialStratum: Int32Array;
  /** Positions sampled per channel, and channels sampled for the spatial stratum. */
  positions: number;
  channels: number;
}

/** `take` of 0..n-1, ascending, drawn without replacement (partial Fisher-Yates). */
function sample(n: number, take: number, rng: Rng): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < take; i++) {
    const j = i + rng.int(n - i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.subarray(0, take).sort();
}

/**
 * The subset of `tap` for a target of `perStratum` units per stratum: floor(perStratum / C) positions
 * (at least 1) of every channel, and floor(perStratum / (H W)) channels (at least 1) at every position.
 * The same (tap, perStratum, seed) always gives the same subset.
 */
export function unitSubset(tap: TapShape, perStratum: number, seed: number): UnitSubset {
  const plane = tapPositions(tap);
  const C = tap.channels;
  const unitAt = (c: number, p: number) => (tap.layout === 'tokens' ? p * C + c : c * plane + p);
  const rng = createRng(seed);
  const positions = Math.max(1, Math.min(plane, Math.floor(perStratum / C)));
  const channels = tap.height * tap.width > 1 ? Math.max(1, Math.min(C, Math.floor(perStratum / plane))) : 0;
  const sampledPositions = sample(plane, positions, rng);
  const sampledChannels = sample(C, channels, rng);
  const channelUnits: number[] = [];
  for (let c = 0; c < C; c++) for (const p of sampledPositions) channelUnits.push(unitAt(c, p));
  const spatialUnits: number[] = [];
  for (const c of sampledChannels) for (let p = 0; p < plane; p++) spatialUnits.push(unitAt(c, p));
  const units = Int32Array.from(new Set([...channelUnits, ...spatialUnits])).sort();
  const column = new Map<number, number>();
  units.forEach((u, j) => column.set(u, j));
  return {
    units,
    channelStratum: Int32Array.from(channelUnits, (u) => column.get(u)!),
    spatialStratum: Int32Array.from(spatialUnits, (u) => column.get(u)!),
    positions,
    channels,
  };
}
