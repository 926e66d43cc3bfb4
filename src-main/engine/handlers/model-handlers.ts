// model.*: the project's model library, generated controls, the catalogue, downloads and imported weights.
import { join, resolve } from 'node:path';
import { builtPreset, type ModelInfo } from '../../contract/models.ts';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import { catalogue, catalogueEntry, downloadPolicy } from '../models/catalogue.ts';
import { inspectModelFile } from '../models/inspect-model.ts';
import { addModel, checkNewModelName, generateModel, listModels, projectModelsDir } from '../models/library.ts';
import { downloadPretrained } from '../models/pretrained.ts';
import { insideFolder } from '../owned-files.ts';
import { convertWeights } from '../weights/import-weights.ts';
import { refreshModel } from '../models/refresh.ts';
import type { EngineHandlers } from './types.ts';

async function modelInfo(engine: Engine, path: string, name: string): Promise<ModelInfo> {
  const found = (await listModels(engine.reader(path))).find((m) => m.name === name);
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
    'model.list': async ({ path }) => listModels(engine.reader(path)),
    'model.inspect': async ({ file, size }) => inspectModelFile(file, size),
    'model.refresh': async ({ path, name }) => {
      const { previousSha256, updated } = await refreshModel(engine.project(path), name);
      return { model: await modelInfo(engine, path, name), previousSha256, updated };
    },
    'model.layers': async ({ path, name }) => (await modelInfo(engine, path, name)).taps,
    'model.generate': async ({ kind, seed, out }) => generateModel(kind, seed, out),
    'model.catalogue': async () => catalogue(),
    'model.download': async (args, ctx) => {
      const entry = catalogueEntry(args.id);
      const project = engine.project(args.path);
      const name = args.name ?? entry.name;
      await downloadPretrained(project, entry, {
        name,
        policy: downloadPolicy(engine.session.mode),
        signal: ctx.signal,
        progress: ctx.progress,
        ...(args.url ? { url: args.url } : {}),
      });
      return modelInfo(engine, args.path, name);
    },
    'model.importWeights': async ({ path, file, arch, name }, ctx) => {
      const project = engine.project(path);
      checkNewModelName(project, name);
      const dir = projectModelsDir(project);
      const out = insideFolder(dir, join(dir, `${name}.onnx`));
      ctx.progress({ phase: 'convert', done: 0, total: 1 });
      const converted = await convertWeights(resolve(file), arch, out);
      ctx.progress({ phase: 'convert', done: 1, total: 1 });
      await addModel(project, { file: out, name, preset: builtPreset(arch), taps: 'auto', storage: 'generated', source: `${resolve(file)} (sha256 ${converted.weightsSha256})` });
      return modelInfo(engine, path, name);
    },
    'model.convertWeights': async ({ file, arch, out }) => convertWeights(resolve(file), arch, resolve(out)),
  } satisfies Partial<EngineHandlers>;
}
