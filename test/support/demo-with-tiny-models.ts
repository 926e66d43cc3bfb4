// The demo project plus two generated tiny CNNs (tiny-1, tiny-2), through the contract: the setup of the
// study tests (three models on one stimulus set, the demo's own tiny-cnn run among them).
import { join } from 'node:path';
import type { connectInProcess } from '../../src-main/engine/connect.ts';

/** Creates the demo project in `dir` with models tiny-1 and tiny-2 added; returns the project's path. */
export async function demoWithTinyModels(client: ReturnType<typeof connectInProcess>, dir: string): Promise<string> {
  const { project } = await client.call('demo.create', { out: dir, seed: 0 });
  for (const seed of [1, 2]) {
    const file = join(dir, `tiny-${seed}.onnx`);
    await client.call('model.generate', { kind: 'tiny', seed, out: file });
    await client.call('model.add', { path: project, file, name: `tiny-${seed}`, preset: 'none' });
  }
  return project;
}
