// Crash safety with real processes: `unitscope run` is killed with SIGKILL at seeded random moments
// (start-up, extraction between and during checkpoints, analysis, finishing). After every kill the
// project must pass integrity_check, the finished reference run must be byte-identical, no run may be
// left 'running', and resuming must end with results identical to the uninterrupted reference run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src-main/engine/project.ts';
import { lockHolder } from '../../../src-main/engine/storage/project-lock.ts';
import { listRuns } from '../../../src-main/engine/storage/runs-store.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import { makeTinyProject } from './tiny-project.ts';

const BIN = fileURLToPath(new URL('../../../src-main/cli/bin.mjs', import.meta.url));
const KILLS = 10;

let dir: string;
let path: string;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** ms from the run being 'running' (as another connection sees it) to the exit; null if never seen. */
  runningFor: number | null;
}

function runningRun(): number | null {
  const project = Project.open(path, { readonly: true });
  try {
    return listRuns(project.db).find((r) => r.status === 'running')?.id ?? null;
  } finally {
    project.close();
  }
}

/**
 * Runs the CLI. With a kill plan, SIGKILLs it `afterMs` after it is seen running a run (polling the
 * file from here, the way a second process would), or `afterMs` after spawn when `fromSpawn`. Machine
 * load varies a lot here, so kill points are placed relative to the run's own progress, not the clock.
 */
async function cli(args: string[], kill?: { afterMs: number; fromSpawn: boolean }): Promise<Outcome> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => (done = true));
  let seenAt: number | null = null;
  if (kill?.fromSpawn) setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
  else {
    while (!done && seenAt === null) {
      if (runningRun() !== null) seenAt = performance.now();
      else await new Promise((r) => setTimeout(r, 15));
    }
    if (kill && seenAt !== null && !done) setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
  }
  const { code, signal } = await exited;
  return { code, signal, stderr, runningFor: seenAt === null ? null : performance.now() - seenAt };
}

/** A digest of everything a run's results consist of (sufficient statistics and their chunks, unit columns, layer rows, aggregates). */
function resultsDigest(project: Project, run: number): string {
  const hash = createHash('sha256');
  const db = project.db;
  for (const r of db.prepare("SELECT position, count, mean, m2 FROM layer_stats WHERE run_id = ? AND state = 'final' ORDER BY position").all(run) as Record<string, unknown>[]) {
    hash.update(`${String(r.position)}:`).update(r.count as Buffer).update(r.mean as Buffer).update(r.m2 as Buffer);
  }
  for (const r of db.prepare('SELECT position, chunk, data FROM layer_stat_chunks WHERE run_id = ? ORDER BY position, chunk').all(run) as Record<string, unknown>[]) {
    hash.update(`${String(r.position)}#${String(r.chunk)}:`).update(r.data as Buffer);
  }
  for (const r of db.prepare('SELECT position, category, name, data FROM unit_columns WHERE run_id = ? ORDER BY position, category, name').all(run) as Record<string, unknown>[]) {
    hash.update(`${String(r.position)}/${String(r.category)}/${String(r.name)}:`).update(r.data as Buffer);
  }
  for (const r of db.prepare('SELECT position, category, units, selective, metrics FROM layer_results WHERE run_id = ? ORDER BY position, category').all(run)) hash.update(JSON.stringify(r));
  for (const r of db.prepare('SELECT kind, position, category, data FROM run_aggregates WHERE run_id = ? ORDER BY kind, position, category').all(run)) hash.update(JSON.stringify(r));
  return hash.digest('hex');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-crash-'));
  path = join(dir, 'crash.unitscope');
  await makeTinyProject(path, 40, 3);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a run killed with SIGKILL', () => {
  it(`survives ${KILLS} kills at seeded random points and resumes to identical results`, async () => {
    const reference = await cli(['run', path, '--model', 'tiny', '--batch', '2']);
    expect(reference.code, reference.stderr).toBe(0);
    expect(reference.runningFor).not.toBeNull();
    const runMs = reference.runningFor!;
    let project = Project.open(path);
    const referenceDigest = resultsDigest(project, 1);
    project.close();

    const rng = new SeededRandom(20251126);
    const outcomes: string[] = [];
    const phases = new Set<string>();
    let kills = 0;
    for (let attempt = 0; kills < KILLS; attempt++) {
      expect(attempt, outcomes.join('\n')).toBeLessThan(3 * KILLS);
      project = Project.open(path);
      const unfinished = listRuns(project.db).filter((r) => r.status !== 'finished');
      project.close();
      const args = unfinished.length > 0 ? ['run', path, '--resume', String(unfinished[0]!.id)] : ['run', path, '--model', 'tiny', '--batch', '2'];
      // One kill in six lands in start-up (before or while the run record is written); the rest anywhere
      // in the reference run's running time, weighted toward its start (u^2) because a resumed run only
      // has the rest of the work to do (extraction, checkpoints, analysis, finishing).
      const u = rng.uniform();
      const plan = u < 1 / 6 ? { afterMs: 300 + Math.floor(rng.uniform() * 3000), fromSpawn: true } : { afterMs: Math.floor(rng.uniform() ** 2 * runMs), fromSpawn: false };
      const result = await cli(args, plan);
      outcomes.push(`${args[2]} ${args[3] ?? ''} kill +${plan.afterMs}ms${plan.fromSpawn ? ' from spawn' : ''} -> ${result.signal ?? `exit ${result.code}`}`);
      if (result.signal === 'SIGKILL') kills++;
      else expect(result.code, result.stderr).toBe(0);

      // What the next process sees: a valid file, no live lock, no run stuck in 'running'.
      expect(lockHolder(path)).toBeNull();
      project = Project.open(path);
      try {
        expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(project.db.pragma('foreign_key_check')).toEqual([]);
        const runs = listRuns(project.db);
        expect(runs[0]!.status).toBe('finished');
        expect(resultsDigest(project, 1)).toBe(referenceDigest);
        for (const run of runs) expect(['finished', 'interrupted']).toContain(run.status);
        if (result.signal === 'SIGKILL') {
          const last = runs[runs.length - 1]!;
          if (last.id !== 1 && last.status !== 'finished') {
            expect(last.status).toBe('interrupted');
            // Which phase the kill hit: mid-extraction (a checkpoint) or after it (final statistics).
            const checkpoint = project.db.prepare('SELECT images_done AS n FROM run_checkpoints WHERE run_id = ?').get(last.id) as { n: number } | undefined;
            const finals = (project.db.prepare("SELECT COUNT(*) AS n FROM layer_stats WHERE run_id = ? AND state = 'final'").get(last.id) as { n: number }).n;
            const layersDone = (project.db.prepare("SELECT COUNT(*) AS n FROM run_aggregates WHERE run_id = ? AND kind = 'overlap'").get(last.id) as { n: number }).n;
            const phase = finals > 0 ? `analysis (${layersDone} layers stored)` : checkpoint ? `extraction (checkpoint at ${checkpoint.n} images)` : 'start';
            phases.add(phase.split(' ')[0]!);
            outcomes[outcomes.length - 1] += ` [${phase}]`;
          }
        }
      } finally {
        project.close();
      }
    }
    console.info(outcomes.join('\n'));
    // The seeded kill points must hit a run both mid-extraction and after its statistics were final.
    expect([...phases].sort(), outcomes.join('\n')).toEqual(expect.arrayContaining(['analysis', 'extraction']));

    // Resume whatever is unfinished, then every run equals the uninterrupted reference.
    project = Project.open(path);
    const pending = listRuns(project.db).filter((r) => r.status !== 'finished');
    project.close();
    for (const run of pending) {
      const resumed = await cli(['run', path, '--resume', String(run.id)]);
      expect(resumed.code, resumed.stderr).toBe(0);
    }
    project = Project.open(path);
    try {
      const runs = listRuns(project.db);
      expect(runs.length).toBeGreaterThanOrEqual(2);
      for (const run of runs) {
        expect(run.status).toBe('finished');
        expect(resultsDigest(project, run.id), `run ${run.id} after ${outcomes.join('; ')}`).toBe(referenceDigest);
      }
      expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      project.close();
    }
  }, 600_000);
});
