// Checks shared by `merge` and `merge --status`: which files are meant, whether a partial belongs to
// the project (same model bytes, stimuli and settings as a local run of it would use), and which
// shards of the split a set of partials covers.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineError } from '../errors.ts';
import type { Project } from '../project.ts';
import { planRun, type RunPlan } from '../runs/run-plan.ts';
import type { PartialHeader } from './partial-file.ts';
import { describeDifference, shardPlanFromRun } from './shard-plan.ts';

/** Expands folders to the .partial files directly inside them (sorted); files are taken as given. */
export function partialFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const given of paths) {
    const path = resolve(given);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new EngineError('not_found', `${path}: no such partial file or folder`, { file: path });
    }
    if (!isDir) {
      out.push(path);
      continue;
    }
    const inside = readdirSync(path).filter((name) => name.endsWith('.partial')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    out.push(...inside.map((name) => join(path, name)));
  }
  const seen = new Set<string>();
  for (const file of out) {
    if (seen.has(file)) throw new EngineError('validation', `${file}: given twice`, { file });
    seen.add(file);
  }
  return out;
}

/**
 * The project's run plan for the model and layers a partial was made with; throws a refusal naming
 * `file` when the project has no such model or layers.
 */
export function projectRunFor(project: Project, header: PartialHeader, file: string): RunPlan {
  try {
    return planRun(project, header.plan.model.name, header.plan.taps.map((t) => t.name));
  } catch (error) {
    if (error instanceof EngineError && (error.kind === 'not_found' || error.kind === 'validation')) {
      throw new EngineError('conflict', `${file}: was made with model '${header.plan.model.name}' (sha256 ${header.plan.model.sha256.slice(0, 12)}...), which ${project.path} cannot run: ${error.message}`, { file });
    }
    throw error;
  }
}

/** Refuses (naming `file`) a partial whose model, stimuli or settings differ from what the project would run. */
export function checkAgainstProject(project: Project, run: RunPlan, header: PartialHeader, file: string): void {
  const expected = shardPlanFromRun(run, header.plan.recipe);
  const diff = describeDifference(header.plan, expected, project.path);
  if (diff) throw new EngineError('conflict', `${file}: ${diff}`, { file });
}

/** Refuses (naming `file`) a partial from another split or with another recipe than `first`. */
export function checkSameSplit(header: PartialHeader, file: string, first: PartialHeader, firstFile: string): void {
  if (header.shard.count !== first.shard.count) {
    throw new EngineError('conflict', `${file}: is shard ${header.shard.index}/${header.shard.count}, but ${firstFile} is one of ${first.shard.count}; merge the partials of one split`, { file });
  }
  const diff = describeDifference(header.plan, first.plan, firstFile);
  if (diff) throw new EngineError('conflict', `${file}: ${diff}`, { file });
}

export interface Coverage {
  present: number[];
  missing: number[];
  duplicated: number[];
  covered: number;
}

/** Which shard indices of 1..count the headers give, and how many images they cover. */
export function coverage(headers: readonly PartialHeader[], count: number): Coverage {
  const seen = new Map<number, number>();
  let covered = 0;
  for (const h of headers) {
    seen.set(h.shard.index, (seen.get(h.shard.index) ?? 0) + 1);
    if (seen.get(h.shard.index) === 1) covered += h.positions.length;
  }
  const all = Array.from({ length: count }, (_, i) => i + 1);
  return {
    present: all.filter((i) => seen.has(i)),
    missing: all.filter((i) => !seen.has(i)),
    duplicated: all.filter((i) => (seen.get(i) ?? 0) > 1),
    covered,
  };
}
