// The checkpoint policy on a played-out extraction: a fake clock advances by each merge group's work and
// by each checkpoint write's cost, so nothing here depends on the machine's speed.
import { describe, expect, it } from 'vitest';
import { CheckpointPolicy } from '../../../src-main/engine/runs/checkpoint-policy.ts';

interface Played {
  checkpoints: number[];
  loopMs: number;
  writeMs: number;
}

/** `groups` groups of `groupImages`, each taking `groupMs`; every checkpoint write takes `writeCost` ms. */
async function play(options: { groups: number; groupImages: number; groupMs: number; writeCost: number; bytes: number; minImages: number; maxShare?: number | null }): Promise<Played> {
  let now = 0;
  const policy = new CheckpointPolicy({ minImages: options.minImages, bytes: options.bytes, clock: () => now, ...(options.maxShare !== undefined ? { maxShare: options.maxShare } : {}) });
  const checkpoints: number[] = [];
  let writeMs = 0;
  for (let g = 1; g <= options.groups; g++) {
    now += options.groupMs;
    if (policy.merged(options.groupImages)) {
      await policy.write(() => {
        now += options.writeCost;
        writeMs += options.writeCost;
        checkpoints.push(g * options.groupImages);
      });
    }
  }
  return { checkpoints, loopMs: now, writeMs };
}

const run = { groups: 240, groupImages: 1, groupMs: 100, minImages: 12 };

describe('CheckpointPolicy', () => {
  it('keeps the count floor (5 % of the images) when writes are cheap', async () => {
    const cheap = await play({ ...run, writeCost: 1, bytes: 10_000 });
    expect(cheap.checkpoints).toEqual(Array.from({ length: 20 }, (_, i) => 12 * (i + 1)));
    // Cheap in absolute terms even where they are a large share of a fast loop (a small model): 40 ms each.
    const fastLoop = await play({ ...run, groupMs: 1, writeCost: 40, bytes: 10_000 });
    expect(fastLoop.checkpoints).toEqual(cheap.checkpoints);
  });

  it('writes fewer checkpoints when they are costly, at most 5 % of the loop, the first one predicted from the bytes', async () => {
    // 2,000 images at 0.1 s each, the count floor at 5 % of them.
    const long = { ...run, groups: 2000, minImages: 100 };
    const cheap = await play({ ...long, writeCost: 1, bytes: 530e6 / 1000 });
    expect(cheap.checkpoints).toHaveLength(20);
    // ResNet-50's 530 MB at ~0.5 GB/s: about a second per write. The first waits for the 5.3 s the bytes
    // predict at the assumed 100 MB/s (106 s of images); the next ones for 20 x the measured second.
    const costly = await play({ ...long, writeCost: 1000, bytes: 530e6 });
    expect(costly.checkpoints).toEqual([1060, 1260, 1460, 1660, 1860]);
    expect(costly.writeMs).toBeLessThanOrEqual(0.05 * costly.loopMs);
    // A short run where writes are costly does its work without any checkpoint (it would lose 24 s at most).
    expect((await play({ ...run, writeCost: 1000, bytes: 530e6 })).checkpoints).toEqual([]);
  });

  it('follows the measured cost, both ways', async () => {
    // A write far cheaper than predicted (0.2 s): after the first one, checkpoints come every 20 x 0.2 s
    // of loop (40 images).
    const fast = await play({ ...run, groups: 2000, writeCost: 200, bytes: 530e6 });
    expect(fast.checkpoints[0]).toBe(1060);
    expect(fast.checkpoints[1]! - fast.checkpoints[0]!).toBe(40);
    // A write far dearer than predicted (60 s): the next one waits 20 minutes of images.
    const slow = await play({ ...run, groups: 30_000, writeCost: 60_000, bytes: 530e6 });
    expect(slow.checkpoints[1]! - slow.checkpoints[0]!).toBe(12_000);
  });

  it('writes by count alone when the caller fixes the images between checkpoints', async () => {
    const fixed = await play({ ...run, minImages: 5, writeCost: 1000, bytes: 530e6, maxShare: null });
    expect(fixed.checkpoints).toEqual(Array.from({ length: 48 }, (_, i) => 5 * (i + 1)));
  });
});
