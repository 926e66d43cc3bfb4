// `unitscope run` itself, as a user runs it, for the extraction benchmarks: a fresh project with the bench
// images (6 categories, the paper's roles), the untrained ResNet-50 with its 16 block taps, and the real
// CLI in a child process (checkpoints, input checks, the analysis after). The extraction loop's rate is the
// one the run records in its manifest (every checkpoint write inside the loop counts against it).
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectInProcess } from '../src-main/engine/connect.ts';
import { Engine } from '../src-main/engine/engine.ts';
import { Project } from '../src-main/engine/project.ts';
import { runTimings } from '../src-main/engine/storage/runs-store.ts';
import type { StimulusRef } from '../src-main/engine/pipeline-types.ts';

const BIN = fileURLToPath(new URL('../src-main/cli/bin.mjs', import.meta.url));
const ROLES = ['faces', 'bodies', 'scenes', 'words', 'scrambled_scenes', 'scrambled_words'];

export interface RunLoop {
  /** The extraction loop's rate as the run recorded it. */
  imagesPerSecond: number;
  extractionSeconds: number;
  totalSeconds: number;
}

/** Runs `unitscope run` on `images` (categories 0..5) with `modelPath`'s 16 block taps in a project under `work`, removed afterwards. */
export async function unitscopeRunLoop(work: string, images: StimulusRef[], modelPath: string, taps: string[]): Promise<RunLoop> {
  rmSync(work, { recursive: true, force: true });
  const stimuli = join(work, 'stimuli');
  images.forEach((img, i) => {
    const folder = join(stimuli, `category${img.category}`);
    mkdirSync(folder, { recursive: true });
    linkSync(img.path, join(folder, `img_${i}.jpg`));
  });
  const path = join(work, 'run.unitscope');
  const engine = new Engine();
  const client = connectInProcess(engine);
  try {
    await client.call('project.create', { path, name: 'run-loop' });
    await client.call('stimuli.import', {
      path,
      source: stimuli,
      map: Object.fromEntries(ROLES.map((role, k) => [`category${k}`, role])),
      controls: { scrambled_scenes: 'scenes', scrambled_words: 'words' },
    });
    await client.call('model.add', { path, file: modelPath, name: 'resnet50', preset: 'imagenet' });
  } finally {
    client.disconnect();
    engine.close();
  }
  try {
    const cli = spawnSync(process.execPath, [BIN, 'run', path, '--model', 'resnet50', '--layers', taps.join(','), '--ep', 'cpu'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (cli.status !== 0) throw new Error(`unitscope run failed (${cli.status ?? cli.signal}): ${cli.stderr}`);
    const project = Project.open(path, { readonly: true });
    try {
      const timings = Object.values(runTimings(project.db))[0];
      if (!timings?.imagesPerSecond || !timings.extractionSeconds || !timings.totalSeconds) throw new Error('the run recorded no extraction timings');
      return { imagesPerSecond: timings.imagesPerSecond, extractionSeconds: timings.extractionSeconds, totalSeconds: timings.totalSeconds };
    } finally {
      project.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
