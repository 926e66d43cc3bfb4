// The sharded-run path on a real Slurm: cluster.sh starts munged, slurmctld and slurmd as a one-node
// cluster in a temporary folder; the shipped job-array template runs a 3-shard run of a bundle and the
// shipped merge job (--dependency=afterok on the array) merges it into the project. The merged run must
// equal a local run (t within 1e-9 relative, identical masks). The daemons are stopped in afterAll,
// whatever happened. Needs root and Debian's slurmctld, slurmd, slurm-client and munge.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/engine/project.ts';
import { runAnalysis } from '../../src-main/engine/runs/run-analysis.ts';
import { createBundle } from '../../src-main/engine/shards/bundle.ts';
import { readRunManifest } from '../../src-main/engine/storage/runs-store.ts';
import { CLI } from '../support/run-cli.ts';
import { compareRuns } from '../engine/shards/compare-runs.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';

const CLUSTER = fileURLToPath(new URL('./cluster.sh', import.meta.url));
const SLURM = fileURLToPath(new URL('../../resources/slurm/', import.meta.url));
const NEEDED = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol'];

let dir: string;
let clusterDir: string;
let project: string;
let parts: string;
let env: NodeJS.ProcessEnv;
let started = false;

function sh(cmd: string, args: string[], timeoutMs = 30_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

function must(cmd: string, args: string[], timeoutMs?: number): string {
  const r = sh(cmd, args, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Everything a failed job left behind, for the assertion message. */
function jobLogs(): string {
  const logs = readdirSync(dir).filter((f) => f.endsWith('.out')).map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`);
  const daemon = join(clusterDir, 'log', 'slurmctld.log');
  if (existsSync(daemon)) logs.push(`--- slurmctld.log (tail)\n${readFileSync(daemon, 'utf8').split('\n').slice(-30).join('\n')}`);
  return logs.join('\n');
}

function jobState(id: string): string {
  const r = sh('scontrol', ['show', 'job', '-o', id]);
  return r.stdout.split('\n').filter(Boolean).map((line) => /JobState=(\S+)/.exec(line)?.[1] ?? '?').join(',');
}

beforeAll(async () => {
  const missing = NEEDED.filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length > 0) throw new Error(`Slurm is not installed (missing ${missing.join(', ')}): apt-get install slurmctld slurmd slurm-client munge`);
  if (process.getuid?.() !== 0) throw new Error('the Slurm test starts slurmd and munged and needs root');
  dir = mkdtempSync(join(tmpdir(), 'unitscope-slurm-'));
  clusterDir = join(dir, 'cluster');
  project = join(dir, 'study.unitscope');
  parts = join(dir, 'parts');
  env = { ...process.env, SLURM_CONF: join(clusterDir, 'slurm.conf') };
  await makeTinyProject(project, 8, 11);
  const p = Project.open(project);
  try {
    await createBundle(p, { model: 'tiny', out: join(dir, 'bundle') });
  } finally {
    p.close();
  }
  started = true;
  must('bash', [CLUSTER, 'start', clusterDir], 120_000);
}, 180_000);

afterAll(() => {
  if (started) {
    // Jobs first (they would outlive their daemons otherwise), then exactly the daemons cluster.sh started.
    sh('scancel', ['--partition', 'test']);
    spawnSync('bash', [CLUSTER, 'stop', clusterDir], { env, stdio: 'ignore', timeout: 60_000 });
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 90_000);

describe('Slurm: job array of shards + afterok merge', () => {
  it('runs the shipped templates and merges into a run equal to a local one', async () => {
    // The jobs run the CLI straight from the source tree: the "installed app" of this checkout.
    env = { ...env, UNITSCOPE: `${process.execPath} ${CLI}`, BUNDLE: join(dir, 'bundle'), PARTS: parts, PROJECT: project, EP: 'cpu' };
    // One CPU per task so two shards run at once on this two-core node (the template asks for two).
    const array = must('sbatch', ['--parsable', '--array=1-3', '--cpus-per-task=1', `--chdir=${dir}`, '--export=ALL', join(SLURM, 'shard-array.sbatch')]).split(';')[0]!;
    const merge = must('sbatch', ['--parsable', `--dependency=afterok:${array}`, `--chdir=${dir}`, '--export=ALL', join(SLURM, 'merge.sbatch')]).split(';')[0]!;
    expect(array).toMatch(/^\d+$/);
    expect(merge).toMatch(/^\d+$/);

    const deadline = Date.now() + 240_000;
    while (must('squeue', ['-h', '-j', `${array},${merge}`, '-o', '%i']) !== '' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const states = { array: jobState(array), merge: jobState(merge) };
    expect(states, jobLogs()).toEqual({ array: 'COMPLETED,COMPLETED,COMPLETED', merge: 'COMPLETED' });
    expect(readdirSync(parts).filter((f) => f.endsWith('.partial')).sort()).toEqual(['shard-1-of-3.partial', 'shard-2-of-3.partial', 'shard-3-of-3.partial']);
    const merged = JSON.parse(readFileSync(join(parts, 'merge.json'), 'utf8')) as { run: number; images: number };
    expect(merged.images).toBe(24);

    const p = Project.open(project);
    try {
      const local = (await runAnalysis(p, { model: 'tiny', provider: 'cpu' })).run;
      const cmp = compareRuns(p, local, merged.run);
      console.log(JSON.stringify({ test: 'slurm-vs-local', ...cmp }));
      expect(cmp.countsEqual).toBe(true);
      expect(cmp.statsMaxRel).toBeLessThan(1e-12);
      expect(cmp.tMaxRel).toBeLessThan(1e-9);
      expect(cmp.tNonFiniteSame).toBe(true);
      expect(cmp.maskDiffs).toBe(0);
      expect(cmp.selectiveA).toBeGreaterThan(0);
      const manifest = readRunManifest(p.db, merged.run)!;
      // Each shard records the array task it ran as.
      expect(manifest.shards!.map((s) => s.job)).toEqual([1, 2, 3].map((i) => `slurm ${array}_${i}`));
    } finally {
      p.close();
    }
  }, 300_000);
});
