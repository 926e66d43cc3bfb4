// project info's bytes-by-kind come from a totals table kept by triggers (m070). They must equal the
// sums over the stored rows after every kind of write: a run, thumbnails, an upsert, a reanalysis and a
// cascade delete.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from '../../../src-main/engine/project.ts';
import { reanalyzeRun, runAnalysis } from '../../../src-main/engine/runs/run-analysis.ts';
import { storedBytes } from '../../../src-main/engine/storage/project-store.ts';
import { putThumbnail } from '../../../src-main/engine/storage/stimuli-store.ts';
import { makeTinyProject } from '../runs/tiny-project.ts';

function summedBytes(project: Project) {
  const one = (sql: string) => (project.db.prepare(sql).get() as { n: number | null }).n ?? 0;
  return {
    unitResults: one('SELECT SUM(length(data)) AS n FROM unit_columns'),
    statistics:
      one('SELECT SUM(length(count) + length(mean) + length(m2) + COALESCE(length(extra), 0)) AS n FROM layer_stats') + one('SELECT SUM(length(data)) AS n FROM layer_stat_chunks'),
    aggregates: one('SELECT SUM(length(data)) AS n FROM run_aggregates'),
    thumbnails: one('SELECT SUM(length(data)) AS n FROM thumbnails'),
  };
}

const chunkRows = (project: Project) => (project.db.prepare('SELECT COUNT(*) AS n FROM layer_stat_chunks').get() as { n: number }).n;

describe('storage totals', () => {
  it('match the row sums after runs, upserts, reanalysis and cascade deletes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitscope-totals-')), 't.unitscope');
    await makeTinyProject(path, 4, 3);
    const project = Project.open(path);
    try {
      const empty = storedBytes(project.db);
      expect(empty).toEqual(summedBytes(project));

      const model = (project.db.prepare('SELECT name FROM models LIMIT 1').get() as { name: string }).name;
      const { run } = await runAnalysis(project, { model, provider: 'cpu' });
      const afterRun = storedBytes(project.db);
      expect(afterRun).toEqual(summedBytes(project));
      expect(afterRun.unitResults).toBeGreaterThan(0);
      expect(afterRun.statistics).toBeGreaterThan(0);

      const imageId = (project.db.prepare('SELECT id FROM images LIMIT 1').get() as { id: number }).id;
      putThumbnail(project.db, imageId, { width: 2, height: 2, mime: 'image/webp', data: Buffer.alloc(300) });
      putThumbnail(project.db, imageId, { width: 2, height: 2, mime: 'image/webp', data: Buffer.alloc(120) }); // upsert
      expect(storedBytes(project.db)).toEqual(summedBytes(project));

      await reanalyzeRun(project, run, { alpha: 0.01 });
      expect(storedBytes(project.db)).toEqual(summedBytes(project));

      project.db.prepare('DELETE FROM images WHERE id = ?').run(imageId); // cascades to its thumbnail
      project.db.prepare('DELETE FROM unit_columns WHERE run_id = ?').run(run);
      expect(storedBytes(project.db)).toEqual(summedBytes(project));

      // Deleting the runs cascades to their statistics, the chunks of the final ones (m150) included.
      expect(chunkRows(project)).toBeGreaterThan(0);
      project.db.prepare('DELETE FROM runs WHERE parent_run = ?').run(run);
      project.db.prepare('DELETE FROM runs WHERE id = ?').run(run);
      expect(chunkRows(project)).toBe(0);
      expect(storedBytes(project.db)).toEqual(summedBytes(project));
      expect(storedBytes(project.db).statistics).toBe(0);
      expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      project.close();
    }
  });
});
