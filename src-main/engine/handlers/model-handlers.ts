// model.*: the project's model library, generated controls, the catalogue and downloads.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo } from '../../contract/models.ts';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import { CATALOGUE, catalogueEntry } from '../models/catalogue.ts';
import { downloadFile } from '../models/download.ts';
import { inspectModelFile } from '../models/inspect-model.ts';
import { addModel, generateModel, listModels } from '../models/library.ts';
import { alreadyExists, insideFolder } from '../owned-files.ts';
import type { EngineHandlers } from './types.ts';

async function modelInfo(engine: Engine, path: string, name: string): Promise<ModelInfo> {
  const found = (await listModels(engine.project(path))).find((m) => m.name === name);
  if (!found) throw new EngineError('not_found', `no model named '${name}' in ${path}`);
  return found;
}

export function modelHandlers(engine: Engine) {
  return {
    'model.add': async (args) => {
      const project = engine.project(args.path);
      await addModel(project, {
        file: args.file,
        name: args.name,
        preset: args.preset,
        taps: args.taps,
        copy: args.copy,
        ...(args.size ? { size: args.size } : {}),
        ...(args.preprocessing ? { preprocessing: args.preprocessing } : {}),
      });
      return modelInfo(engine, args.path, args.name);
    },
    'model.list': async ({ path }) => listModels(engine.project(path)),
    'model.inspect': async ({ file, size }) => inspectModelFile(file, size),
    'model.layers': async ({ path, name }) => (await modelInfo(engine, path, name)).taps,
    'model.generate': async ({ kind, seed, out }) => generateModel(kind, seed, out),
    'model.catalogue': async () => [...CATALOGUE],
    'model.download': async (args, ctx) => {
      const entry = catalogueEntry(args.id)!;
      const url = args.url ?? entry.url;
      if (!url) {
        throw new EngineError('validation', `${entry.title} has no public ONNX download; export it with '${entry.exportCommand}' and add the file, or give --url of a copy you host`);
      }
      const project = engine.project(args.path);
      const name = args.name ?? entry.id;
      const dir = join(project.filesDir, 'models');
      mkdirSync(dir, { recursive: true });
      const dest = insideFolder(dir, join(dir, `${name}.onnx`));
      if (existsSync(dest)) throw alreadyExists(dest, 'a model file with this name is in the project; give another name');
      return engine.jobs.run('model.download', `download ${entry.id}`, async (job) => {
        let meter: ProgressMeter | null = null;
        let reported = 0;
        await downloadFile({
          url,
          dest,
          sha256: args.sha256 ?? entry.sha256,
          signal: job.signal,
          onProgress: (done, total) => {
            meter ??= new ProgressMeter('download', total ?? 0, job.progress, 'bytes');
            meter.tick(done - reported);
            reported = done;
          },
        });
        await addModel(project, { file: dest, name, preset: entry.preset, taps: 'auto', storage: 'downloaded', source: url });
        return modelInfo(engine, args.path, name);
      }, ctx);
    },
  } satisfies Partial<EngineHandlers>;
}
