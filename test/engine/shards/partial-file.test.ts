// The .partial format and the shard split, without inference: statistics survive a write/read bit for
// bit, any damaged byte is caught (header check or checksum), truncation and other format versions are
// refused, and the split is disjoint, covering and balanced within every category.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { defaultRecipe } from '../../../src-main/contract/recipe.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import type { LayerStats } from '../../../src-main/engine/pipeline-types.ts';
import { tapUnits } from '../../../src-main/engine/pipeline-types.ts';
import { stimulusSetHash } from '../../../src-main/engine/runs/run-manifest.ts';
import { parseShardSpec, shardPositions } from '../../../src-main/engine/shards/assignment.ts';
import { openPartial, readPartialLayer, verifyPartial, writePartial, type PartialHeader } from '../../../src-main/engine/shards/partial-file.ts';
import { describeDifference, settingsHash, type ShardPlan } from '../../../src-main/engine/shards/shard-plan.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-partial-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plan(images = 12): ShardPlan {
  const categories = [
    { name: 'faces', role: 'target' as const, controlsFor: null, images: images / 2 },
    { name: 'scenes', role: 'target' as const, controlsFor: null, images: images / 2 },
  ];
  const list = Array.from({ length: images }, (_, i) => ({ id: i + 1, sha256: createHash('sha256').update(`img${i}`).digest('hex'), category: i < images / 2 ? 0 : 1 }));
  const base = {
    model: { name: 'm', sha256: 'a'.repeat(64), bytes: 10, source: null, preprocessing: presetPreprocessing('none', [8, 8]), inputName: 'input' },
    taps: [
      { name: 'conv', tensor: 't1', channels: 3, height: 4, width: 5 },
      { name: 'fc', tensor: 't2', channels: 7, height: 1, width: 1 },
    ],
    categories,
    recipe: defaultRecipe,
    precision: 'float64' as const,
  };
  return {
    ...base,
    images: list,
    stimuliHash: stimulusSetHash(list.map((i) => ({ id: i.id, path: '', sha256: i.sha256, category: categories[i.category]!.name }))),
    settingsHash: settingsHash(base),
  };
}

function randomStats(p: ShardPlan, seed: number): LayerStats[] {
  const rng = new SeededRandom(seed);
  return p.taps.map((tap) => {
    const n = p.categories.length * tapUnits(tap);
    return {
      tap,
      count: Float64Array.from(p.categories, () => Math.floor(rng.uniform() * 10)),
      mean: Float64Array.from({ length: n }, () => (rng.uniform() - 0.5) * 1e4),
      m2: Float64Array.from({ length: n }, () => rng.uniform() * 1e-3),
    };
  });
}

function header(p: ShardPlan): PartialHeader {
  return {
    format: 'unitscope-partial',
    plan: p,
    shard: { index: 1, count: 1 },
    positions: p.images.map((_, i) => i),
    run: { host: 'h', job: null, provider: 'cpu', fallback: null, batch: null, seconds: 1, createdAt: '2026-01-01T00:00:00Z', app: '0', platform: 'x' },
  };
}

describe('.partial files', () => {
  it('round-trip the statistics bit for bit and report the file sha256', async () => {
    const p = plan();
    const layers = randomStats(p, 1);
    const file = join(dir, 'a.partial');
    const sha = writePartial(file, header(p), layers);
    expect(sha).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const opened = openPartial(file);
    expect(await verifyPartial(opened)).toBe(sha);
    expect(opened.header.plan).toEqual(p);
    layers.forEach((stats, l) => {
      const back = readPartialLayer(opened, l);
      expect(Buffer.from(back.count.buffer).equals(Buffer.from(stats.count.buffer))).toBe(true);
      expect(Buffer.from(back.mean.buffer).equals(Buffer.from(stats.mean.buffer))).toBe(true);
      expect(Buffer.from(back.m2.buffer).equals(Buffer.from(stats.m2.buffer))).toBe(true);
    });
  });

  it('catch a flipped bit anywhere: header, statistics or checksum', async () => {
    const file = join(dir, 'b.partial');
    writePartial(file, header(plan()), randomStats(plan(), 2));
    const bytes = readFileSync(file);
    const rng = new SeededRandom(3);
    const offsets = [0, 9, 13, 20, bytes.length - 1, bytes.length - 32, ...Array.from({ length: 40 }, () => Math.floor(rng.uniform() * bytes.length))];
    const damaged = join(dir, 'damaged.partial');
    for (const offset of offsets) {
      const copy = Buffer.from(bytes);
      copy[offset]! ^= 0x10;
      writeFileSync(damaged, copy);
      const caught = await (async () => {
        try {
          await verifyPartial(openPartial(damaged));
          return null;
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(caught, `byte ${offset}`).toMatch(new RegExp(`^${damaged}: `));
    }
  });

  it('refuse truncated files, other versions and other files', () => {
    const file = join(dir, 'c.partial');
    writePartial(file, header(plan()), randomStats(plan(), 4));
    const bytes = readFileSync(file);
    const cut = join(dir, 'cut.partial');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 8));
    expect(() => openPartial(cut)).toThrow(/truncated/);
    const newer = Buffer.from(bytes);
    newer.writeUInt32LE(99, 8);
    writeFileSync(cut, newer);
    expect(() => openPartial(cut)).toThrow(/format version 99; this Unitscope reads version 1/);
    writeFileSync(cut, 'run,layer\n1,2\n'.repeat(10));
    expect(() => openPartial(cut)).toThrow(/wrong magic bytes/);
  });
});

describe('shard split', () => {
  it('is disjoint, covers every image once and is balanced within each category', () => {
    for (const sizes of [[10, 10, 10], [7, 13, 2], [1, 1, 40]]) {
      const categories = sizes.flatMap((n, k) => Array.from({ length: n }, () => k));
      for (const count of [1, 2, 3, 5, 8]) {
        const seen = new Array<number>(categories.length).fill(0);
        for (let index = 1; index <= count; index++) {
          const positions = shardPositions(categories.length, { index, count });
          for (const p of positions) seen[p]!++;
          expect(Math.abs(positions.length - categories.length / count)).toBeLessThan(1);
          sizes.forEach((n, k) => expect(Math.abs(positions.filter((p) => categories[p] === k).length - n / count)).toBeLessThan(1));
        }
        expect(seen.every((n) => n === 1)).toBe(true);
      }
    }
  });

  it('parses I/N and refuses indices outside 1..N', () => {
    expect(parseShardSpec('2/8')).toEqual({ index: 2, count: 8 });
    expect(() => parseShardSpec('0/3')).toThrow(/between 1 and 3/);
    expect(() => parseShardSpec('4/3')).toThrow(/between 1 and 3/);
    expect(() => parseShardSpec('2of3')).toThrow(/I\/N/);
  });

  it('names the first differing setting', () => {
    const a = plan();
    expect(describeDifference(a, plan(), 'X')).toBeNull();
    const other = { ...a, taps: [a.taps[0]!, { ...a.taps[1]!, channels: 8 }] };
    expect(describeDifference(other, a, 'X')).toBe('has other settings than X: taps.1.channels 8 vs 7');
    const images = plan(14);
    expect(describeDifference(images, a, 'X')).toMatch(/another stimulus set \(14 images/);
  });
});
