// The row spool: a study keeps each layer's bootstrap subset per image while the run extracts, so the
// comparison needs no second pass over the images. The spool itself (order, completeness, removal, a full
// disk, the orphans of killed processes), and a study whose replicates come from it against the same
// replicates gathered after the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../../src-main/contract/protocol.ts';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import type { TapShape } from '../../../src-main/engine/pipeline-types.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { removeOrphanSpools, RowSpool } from '../../../src-main/engine/runs/row-spool.ts';
import { bootstrapSettings, runBootstrap, settingsKey } from '../../../src-main/engine/runs/run-bootstrap.ts';
import { readBootstrap } from '../../../src-main/engine/storage/bootstrap-store.ts';
import { getRun } from '../../../src-main/engine/storage/runs-store.ts';
import type { UnitSubset } from '../../../src-main/engine/stats/unit-subset.ts';
import { demoWithTinyModels } from '../../support/demo-with-tiny-models.ts';

const tap: TapShape = { name: 'conv', tensor: 'conv_out', channels: 2, height: 2, width: 2 };
const subset = (units: number[]): UnitSubset => ({ units: Int32Array.from(units), channelStratum: new Int32Array(0), spatialStratum: new Int32Array(0), positions: 0, channels: 0 });

describe('row spool', () => {
  it('keeps the subset units of each image and reads them back in the order asked for', () => {
    const spool = new RowSpool('k', [tap, tap], [subset([0, 5, 7]), subset([3])]);
    try {
      const row = (image: number) => Float32Array.from({ length: 8 }, (_, u) => image * 10 + u);
      for (const image of [30, 10, 20]) {
        spool.take(0, image, row(image));
        spool.take(1, image, row(image));
      }
      expect(spool.has(0, [10, 20, 30])).toBe(true);
      expect(Array.from(spool.read(0, [10, 20, 30]))).toEqual([100, 105, 107, 200, 205, 207, 300, 305, 307]);
      expect(Array.from(spool.read(1, [20, 30, 10]))).toEqual([203, 303, 103]);
      // Another image set (one missing, one unknown) is not what the spool holds.
      expect(spool.has(0, [10, 20])).toBe(false);
      expect(spool.has(0, [10, 20, 40])).toBe(false);
      expect(() => spool.read(0, [10, 20])).toThrow(/does not hold every image/);
    } finally {
      spool.remove();
    }
    expect(existsSync(spool.dir)).toBe(false);
    expect(spool.has(0, [10, 20, 30])).toBe(false);
  });

  // /dev/full (every write fails with ENOSPC) is Linux's; elsewhere vitest reports this test as skipped.
  it.skipIf(!existsSync('/dev/full'))('stops keeping rows when a write fails (a full disk), without failing the extraction', () => {
    const spool = new RowSpool('k', [tap, tap], [subset([1]), subset([2])]);
    try {
      spool.take(0, 1, new Float32Array(8));
      // Layer 1's file is opened on its first row: make it the device that is always full.
      symlinkSync('/dev/full', join(spool.dir, 'layer-1.f32'));
      expect(() => spool.take(1, 1, new Float32Array(8))).not.toThrow();
      expect(spool.failure).toMatch(/layer-1\.f32: .*(ENOSPC|no space)/i);
      // Nothing is kept any more, so the bootstrap gathers every layer.
      expect(spool.has(0, [1])).toBe(false);
      expect(existsSync(spool.dir)).toBe(false);
      expect(() => spool.take(0, 2, new Float32Array(8))).not.toThrow();
    } finally {
      spool.remove();
    }
  });

  it("removes the spools of processes that died, never a live process's", () => {
    const parent = mkdtempSync(join(tmpdir(), 'unitscope-orphans-'));
    try {
      const child = spawnSync(process.execPath, ['-e', '0']);
      const dead = `unitscope-rows-${child.pid}-abc123`;
      const mine = `unitscope-rows-${process.pid}-def456`;
      const parentProcess = `unitscope-rows-${process.ppid}-ghi789`;
      const other = 'unitscope-orphans-not-a-spool';
      for (const name of [dead, mine, parentProcess, other]) mkdirSync(join(parent, name));
      writeFileSync(join(parent, dead, 'layer-0.f32'), new Uint8Array(64));
      removeOrphanSpools(parent);
      expect(readdirSync(parent).sort()).toEqual([mine, parentProcess, other].sort());
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('counts a layer that missed an image as incomplete', () => {
    const spool = new RowSpool('k', [tap, tap], [subset([1]), subset([2])]);
    try {
      spool.take(0, 1, new Float32Array(8));
      spool.take(0, 2, new Float32Array(8));
      spool.take(1, 1, new Float32Array(8));
      expect(spool.has(0, [1, 2])).toBe(true);
      expect(spool.has(1, [1, 2])).toBe(false);
    } finally {
      spool.remove();
    }
  });
});

describe('a study keeps its runs’ rows', () => {
  let dir: string;
  let engine: Engine;
  let client: ReturnType<typeof connectInProcess>;
  let path: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'unitscope-spool-'));
    engine = new Engine();
    client = connectInProcess(engine);
    path = await demoWithTinyModels(client, dir);
  }, 300_000);

  afterAll(() => {
    client.disconnect();
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each new run’s replicates without gathering, equal to the replicates gathered afterwards', async () => {
    const progress: Progress[] = [];
    const study = await client.call('study.start', { path, models: ['tiny-1', 'tiny-2'], recipe: { seed: 0 }, iterations: 60 }, { onProgress: (p) => progress.push(p) });
    expect(study.status).toBe('finished');
    // Both runs are new: their replicates come from the spool, so nothing gathers responses again.
    expect(progress.some((p) => /bootstrap of tiny-1/.test(p.message ?? ''))).toBe(true);
    expect(progress.filter((p) => /gathering/.test(p.message ?? ''))).toEqual([]);
    const project = Project.open(path);
    try {
      for (const { run } of study.runs) {
        const settings = bootstrapSettings(getRun(project.db, run!)!.recipe, { iterations: 60 });
        const key = settingsKey(settings);
        const kept = readBootstrap(project.db, run!, key)!;
        expect(kept.values.length).toBeGreaterThan(0);
        project.db.prepare('DELETE FROM run_bootstraps WHERE run_id = ?').run(run);
        const gathered = await runBootstrap(project, run!, settings);
        expect(gathered.header).toEqual(kept.header);
        gathered.values.forEach((values, l) => expect(Array.from(values)).toEqual(Array.from(kept.values[l]!)));
      }
    } finally {
      project.db.close();
    }
  }, 300_000);
});
