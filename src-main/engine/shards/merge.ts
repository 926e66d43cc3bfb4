// Merging shards into one stored run. Every partial is checked before anything is written: intact
// (size and checksum), made for this project's model, stimuli and settings, from one split, each shard
// exactly once, and its statistics consistent with its images. The statistics then combine exactly
// (Chan et al.'s parallel update, the same merge the extractor uses between batches) and the run is
// stored and analysed like a local one, its manifest listing the shards with their hosts and providers.
import { basename } from 'node:path';
import type { Progress } from '../../contract/protocol.ts';
import type { ShardMergeResult, ShardFileStatus, ShardStatus } from '../../contract/shard-types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { LayerStats } from '../pipeline-types.ts';
import type { Project } from '../project.ts';
import { runFromStatistics } from '../runs/run-analysis.ts';
import type { ShardManifestEntry } from '../../contract/run-manifest.ts';
import { mergeLayerStats } from '../stats/sufficient.ts';
import { findRunMergedFrom } from '../storage/runs-store.ts';
import { shardPositions } from './assignment.ts';
import { openPartial, readPartialLayer, verifyPartial, type OpenedPartial } from './partial-file.ts';
import { checkAgainstProject, checkSameSplit, coverage, partialFiles, projectRunFor } from './partial-set.ts';

export interface MergeHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export async function mergePartials(project: Project, paths: readonly string[], hooks: MergeHooks = {}): Promise<ShardMergeResult> {
  const files = partialFiles(paths);
  if (files.length === 0) throw new EngineError('validation', `no .partial files in ${paths.join(', ') || '(nothing given)'}`);

  // 1. Each file on its own: readable, complete, undamaged.
  const checking = new ProgressMeter('checking partials', files.length, (p) => hooks.progress?.(p), 'files');
  const opened: OpenedPartial[] = [];
  const sha256 = new Map<string, string>();
  for (const file of files) {
    throwIfAborted(hooks.signal, 'the merge');
    const partial = openPartial(file);
    sha256.set(file, await verifyPartial(partial));
    opened.push(partial);
    checking.tick(1, basename(file));
  }

  // 2. Together: one project, one split, every shard once, each with exactly its images.
  const first = opened[0]!;
  const run = projectRunFor(project, first.header, first.file);
  const byIndex = new Map<number, OpenedPartial>();
  for (const partial of opened) {
    const { header, file } = partial;
    checkAgainstProject(project, run, header, file);
    checkSameSplit(header, file, first.header, first.file);
    const twin = byIndex.get(header.shard.index);
    if (twin) {
      throw new EngineError('conflict', `${file}: is shard ${header.shard.index}/${header.shard.count} again (also ${twin.file}); give each shard once`, { file });
    }
    byIndex.set(header.shard.index, partial);
    if (!sameList(header.positions, shardPositions(run.images.length, header.shard))) {
      throw new EngineError('bad_input', `${file}: lists other images than shard ${header.shard.index}/${header.shard.count} of this run covers (corrupt or made by an incompatible version)`, { file });
    }
  }
  const count = first.header.shard.count;
  const cover = coverage(opened.map((p) => p.header), count);
  if (cover.missing.length > 0) {
    const images = run.images.length - cover.covered;
    throw new EngineError(
      'conflict',
      `missing shard${cover.missing.length > 1 ? 's' : ''} ${cover.missing.map((i) => `${i}/${count}`).join(', ')}: ${images} of ${run.images.length} images are not covered; run ${cover.missing.length > 1 ? 'them' : 'it'} (or give ${cover.missing.length > 1 ? 'their' : 'its'} .partial files) and merge again`,
    );
  }

  const earlier = findRunMergedFrom(project.db, [...sha256.values()]);
  if (earlier !== undefined) {
    throw new EngineError('conflict', `these ${count} partials were already merged into ${project.path} as run ${earlier}; nothing stored`, { file: project.path });
  }

  // 3. Merge layer by layer, shards in index order, checking each shard's counts against its images.
  const ordered = [...byIndex.values()].sort((a, b) => a.header.shard.index - b.header.shard.index);
  const K = run.categories.length;
  const expectedCounts = new Map(
    ordered.map((p) => {
      const counts = new Float64Array(K);
      for (const pos of p.header.positions) counts[run.images[pos]!.category]! += 1;
      return [p.file, counts] as const;
    }),
  );
  const merging = new ProgressMeter('merging', run.taps.length, (p) => hooks.progress?.(p), 'layers');
  const layers: LayerStats[] = [];
  for (let l = 0; l < run.taps.length; l++) {
    throwIfAborted(hooks.signal, 'the merge');
    let merged: LayerStats | null = null;
    for (const partial of ordered) {
      const stats = readPartialLayer(partial, l);
      const expected = expectedCounts.get(partial.file)!;
      if (!sameList(Array.from(stats.count), Array.from(expected))) {
        throw new EngineError('bad_input', `${partial.file}: layer ${stats.tap.name} counts [${Array.from(stats.count).join(', ')}] images per category, its image list [${Array.from(expected).join(', ')}] (corrupt)`, { file: partial.file });
      }
      merged = merged ? mergeLayerStats(merged, stats) : stats;
    }
    layers.push({ ...merged!, tap: run.taps[l]! });
    merging.tick(1, run.taps[l]!.name);
  }

  // 4. Store and analyse as one run.
  const shards: ShardManifestEntry[] = ordered.map(({ header, file }) => ({
    index: header.shard.index,
    count: header.shard.count,
    file,
    sha256: sha256.get(file)!,
    host: header.run.host,
    job: header.run.job,
    provider: header.run.provider,
    fallback: header.run.fallback,
    images: header.positions.length,
    seconds: header.run.seconds,
    createdAt: header.run.createdAt,
    app: header.run.app,
    platform: header.run.platform,
  }));
  const providers = [...new Set(shards.map((s) => s.provider))];
  const fallbacks = [...new Set(shards.flatMap((s) => (s.fallback ? [s.fallback] : [])))];
  const started = await runFromStatistics(
    project,
    {
      plan: run,
      recipe: first.header.plan.recipe,
      layers,
      execution: { requested: `${count} shards`, provider: providers.join('+'), fallback: fallbacks.length > 0 ? fallbacks.join('; ') : null, batch: null },
      shards,
      // Summed over shards: the compute the extraction took, whatever ran in parallel.
      extractionSeconds: shards.reduce((sum, s) => sum + s.seconds, 0),
    },
    hooks,
  );
  return {
    run: started.run,
    status: 'finished',
    images: run.images.length,
    shards: shards.map(({ index, count: n, file, host, provider, images }) => ({ index, count: n, file, host, provider, images })),
  };
}

/**
 * Which shards exist among `paths` (files or folders of .partial files), without merging. Headers and
 * sizes are checked, not checksums (that reads every byte; `merge` does it). With a project, partials
 * made for another model, stimulus set or settings are reported as foreign.
 */
export function shardStatus(project: Project | null, paths: readonly string[]): ShardStatus {
  const files = partialFiles(paths);
  const statuses: ShardFileStatus[] = [];
  const usable: OpenedPartial[] = [];
  for (const file of files) {
    const entry: ShardFileStatus = { file, status: 'ok', problem: null, shard: null, images: null, host: null, provider: null, seconds: null, createdAt: null };
    statuses.push(entry);
    let partial: OpenedPartial;
    try {
      partial = openPartial(file);
    } catch (error) {
      entry.status = 'corrupt';
      entry.problem = (error as Error).message;
      continue;
    }
    const { header } = partial;
    Object.assign(entry, { shard: header.shard, images: header.positions.length, host: header.run.host, provider: header.run.provider, seconds: header.run.seconds, createdAt: header.run.createdAt });
    try {
      if (project) checkAgainstProject(project, projectRunFor(project, header, file), header, file);
      if (usable.length > 0) checkSameSplit(header, file, usable[0]!.header, usable[0]!.file);
      usable.push(partial);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      entry.status = 'foreign';
      entry.problem = error.message;
    }
  }
  if (usable.length === 0) {
    return { count: null, present: [], missing: [], duplicated: [], images: { covered: 0, total: null }, complete: false, files: statuses };
  }
  const count = usable[0]!.header.shard.count;
  const cover = coverage(usable.map((p) => p.header), count);
  return {
    count,
    present: cover.present,
    missing: cover.missing,
    duplicated: cover.duplicated,
    images: { covered: cover.covered, total: usable[0]!.header.plan.images.length },
    complete: cover.missing.length === 0 && cover.duplicated.length === 0,
    files: statuses,
  };
}
