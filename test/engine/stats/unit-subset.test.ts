// The image bootstrap's unit subset: every channel at the same sampled positions (channel stratum), every
// position in the same sampled channels (spatial stratum), for C x H x W maps and transformer token
// layouts alike; the same seed gives the same subset.
import { describe, expect, it } from 'vitest';
import { tapPositions, unitChannel, unitPosition, type TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { unitSubset } from '../../../src-main/engine/stats/unit-subset.ts';

const shapes: TapShape[] = [
  { name: 'conv', tensor: 'conv', channels: 64, height: 14, width: 14 },
  { name: 'vit', tensor: 'vit', channels: 48, height: 7, width: 7, layout: 'tokens', extraTokens: 1 },
];

describe('unit subset', () => {
  for (const tap of shapes) {
    it(`stratifies a ${tap.layout ?? 'chw'} layer: all channels x sampled positions, all positions x sampled channels`, () => {
      const s = unitSubset(tap, 512, 7);
      const plane = tapPositions(tap);
      expect(s.positions).toBe(Math.floor(512 / tap.channels));
      expect(s.channels).toBe(Math.floor(512 / plane));
      const channelUnits = Array.from(s.channelStratum, (j) => s.units[j]!);
      const perChannel = new Map<number, Set<number>>();
      for (const u of channelUnits) {
        const c = unitChannel(tap, u);
        if (!perChannel.has(c)) perChannel.set(c, new Set());
        perChannel.get(c)!.add(unitPosition(tap, u));
      }
      expect(perChannel.size).toBe(tap.channels);
      const positions = [...perChannel.values()].map((p) => [...p].sort((a, b) => a - b).join(','));
      expect(new Set(positions).size).toBe(1); // the same positions in every channel
      const spatial = Array.from(s.spatialStratum, (j) => s.units[j]!);
      expect(new Set(spatial.map((u) => unitPosition(tap, u))).size).toBe(plane);
      expect(new Set(spatial.map((u) => unitChannel(tap, u))).size).toBe(s.channels);
      expect(Array.from(s.units)).toEqual([...new Set([...channelUnits, ...spatial])].sort((a, b) => a - b));
      expect(unitSubset(tap, 512, 7)).toEqual(s);
      expect(unitSubset(tap, 512, 8).units).not.toEqual(s.units);
    });
  }

  it('keeps every unit when the target exceeds the layer, and has no spatial stratum for 1-D outputs', () => {
    const tap: TapShape = { name: 'fc', tensor: 'fc', channels: 100, height: 1, width: 1 };
    const s = unitSubset(tap, 4096, 1);
    expect(Array.from(s.units)).toEqual(Array.from({ length: 100 }, (_, u) => u));
    expect(s.spatialStratum).toHaveLength(0);
  });
});
