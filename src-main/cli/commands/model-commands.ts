import type { Command } from '../command.ts';
import { commandGroup } from '../command.ts';
import { createOutput, parseCommandArgs, parseNumberOption, UsageError } from '../io.ts';
import { tapShapeLabel as shapeText, type CatalogueEntry, type ModelInfo, type ModelInspection, type TapInfo, type WeightArchitecture } from '../../contract/models.ts';
import { GENERATOR_KINDS, WEIGHT_ARCHITECTURES } from '../../contract/models.ts';

const help = { help: { type: 'boolean' }, json: { type: 'boolean' } } as const;

function describeModel(m: ModelInfo): string {
  const flag = m.missing ? '  [FILE MISSING]' : m.changed ? '  [FILE CHANGED since added; record it with model refresh]' : '';
  return `${m.name}  ${m.preprocessing.preset} ${m.preprocessing.inputSize.join('x')}  ${m.taps.length} taps  ${m.path}${flag}`;
}

function describeTaps(taps: TapInfo[]): string {
  const width = Math.max(10, ...taps.map((t) => t.name.length));
  const rows = taps.map((t) => `${t.name.padEnd(width)} ${shapeText(t).padEnd(16)} ${String(t.units).padStart(9)}  ${t.tensor}`);
  return [`${'tap'.padEnd(width)} ${'shape'.padEnd(16)} ${'units'.padStart(9)}  tensor`, ...rows].join('\n');
}

function dimsText(shape: (number | string | null)[]): string {
  return shape.map((d) => d ?? '?').join(' x ') || 'scalar';
}

function describeInspection(m: ModelInspection): string {
  const lines = [
    `${m.file}  ${(m.bytes / 1024 / 1024).toFixed(1)} MiB  ${m.producer || 'unknown producer'}  IR ${m.irVersion}  opset ${m.opset}  ${m.nodeCount} nodes`,
    ...m.inputs.map((t) => `input   ${t.name}  ${dimsText(t.shape)}  ${t.elemType}`),
    ...m.outputs.map((t) => `output  ${t.name}  ${dimsText(t.shape)}  ${t.elemType}`),
    `ops     ${Object.entries(m.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([op, n]) => `${op} ${n}`).join(', ')}`,
  ];
  if (m.missingWeights > 0) lines.push(`weights ${m.missingWeights} hold no data (a weights-stripped file): shapes come from a run with zeros; it cannot be added`);
  lines.push(m.family ? `family  ${m.family}: ${m.familyTitle}` : `family  none recognized (${m.found}); name taps by hand with model add --taps`);
  lines.push('', 'candidate taps (* = auto-tap picks, s = --taps stages):');
  const width = Math.max(10, ...m.candidates.map((t) => t.name.length));
  m.stages.forEach((title, i) => {
    lines.push(`stage ${i + 1}: ${title}`);
    for (const t of m.candidates.filter((c) => c.stage === i + 1)) {
      const mark = `${t.auto ? '*' : ' '}${t.stages ? 's' : ' '}`;
      lines.push(`  ${mark} ${t.name.padEnd(width)} ${(t.role ?? '').padEnd(5)} ${t.op.padEnd(18)} ${shapeText(t).padEnd(16)} ${String(t.units).padStart(9)}  ${t.tensor}`);
    }
  });
  return lines.join('\n');
}

function parseSize(value: string | undefined, usage: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`--size must be H,W (positive integers), got '${value}'`, usage);
  return [parts[0]!, parts[1]!];
}

const addUsage = 'usage: unitscope model add PROJECT FILE --name NAME [--preset imagenet|clip|none] [--size H,W] [--taps auto|stages|T1,T2,...] [--copy] [--json]';
const add: Command = {
  name: 'add',
  summary: 'add an ONNX model to the project (inspects it, finds taps, records sha256)',
  usage: addUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { ...help, name: { type: 'string' }, preset: { type: 'string' }, size: { type: 'string' }, taps: { type: 'string' }, copy: { type: 'boolean' } }, addUsage);
    if (values.help) return void process.stdout.write(`${addUsage}\n`);
    if (positionals.length !== 2) throw new UsageError('model add: expected PROJECT and FILE', addUsage);
    if (!values.name) throw new UsageError('model add: --name is required', addUsage);
    const preset = values.preset ?? 'imagenet';
    if (!['imagenet', 'clip', 'none'].includes(preset)) throw new UsageError(`model add: --preset must be imagenet, clip or none, got '${preset}'`, addUsage);
    const size = parseSize(values.size, addUsage);
    const taps = !values.taps || values.taps === 'auto' || values.taps === 'stages' ? (values.taps === 'stages' ? 'stages' : 'auto') : values.taps.split(',').map((t) => t.trim()).filter(Boolean);
    const info = await client.call('model.add', {
      path: positionals[0]!,
      file: positionals[1]!,
      name: values.name,
      preset: preset as 'imagenet' | 'clip' | 'none',
      taps,
      copy: values.copy === true,
      ...(size ? { size } : {}),
    });
    createOutput(values.json === true).result(info, () => `added ${describeModel(info)}\n${describeTaps(info.taps)}`);
  },
};

const inspectUsage = 'usage: unitscope model inspect FILE [--size H,W] [--json]';
const inspect: Command = {
  name: 'inspect',
  summary: "show a model file's inputs, outputs, opset, op counts and candidate taps, without adding it",
  usage: inspectUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { ...help, size: { type: 'string' } }, inspectUsage);
    if (values.help) return void process.stdout.write(`${inspectUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('model inspect: expected FILE', inspectUsage);
    const size = parseSize(values.size, inspectUsage);
    const inspection = await client.call('model.inspect', { file: positionals[0]!, ...(size ? { size } : {}) });
    createOutput(values.json === true).result(inspection, () => describeInspection(inspection));
  },
};

const listUsage = 'usage: unitscope model list PROJECT [--json]';
const list: Command = {
  name: 'list',
  summary: 'list the models of a project (flags files that changed since they were added)',
  usage: listUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, help, listUsage);
    if (values.help) return void process.stdout.write(`${listUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('model list: expected PROJECT', listUsage);
    const models = await client.call('model.list', { path: positionals[0]! });
    createOutput(values.json === true).result(models, () => (models.length === 0 ? 'no models' : models.map(describeModel).join('\n')));
  },
};

const refreshUsage = `usage: unitscope model refresh PROJECT NAME [--json]

Records what the model's file holds now, after it changed on disk (re-exported, replaced): its sha256,
size, input and the shapes of its taps (found again by tensor name). New runs then use the new file;
runs made before keep the sha256 they read and refuse per-image analyses (unit inspector, consistency,
rank-sum, reliability, ablation) of the new bytes.`;
const refresh: Command = {
  name: 'refresh',
  summary: "record a model file's new contents after it changed on disk",
  usage: refreshUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(argv, help, refreshUsage);
    if (values.help) return void process.stdout.write(`${refreshUsage}\n`);
    if (positionals.length !== 2) throw new UsageError('model refresh: expected PROJECT and NAME', refreshUsage);
    const output = createOutput(values.json === true);
    const result = await client.call('model.refresh', { path: positionals[0]!, name: positionals[1]! }, { signal, onProgress: (p) => output.progress(p) });
    output.result(result, () =>
      result.updated
        ? `refreshed ${describeModel(result.model)}\nsha256 ${result.previousSha256} -> ${result.model.sha256}`
        : `${result.model.name}: the file still holds the recorded bytes (sha256 ${result.model.sha256}); nothing to refresh`,
    );
  },
};

const layersUsage = 'usage: unitscope model layers PROJECT NAME [--json]';
const layers: Command = {
  name: 'layers',
  summary: "show a model's taps: name, tensor, shape, units",
  usage: layersUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, help, layersUsage);
    if (values.help) return void process.stdout.write(`${layersUsage}\n`);
    if (positionals.length !== 2) throw new UsageError('model layers: expected PROJECT and NAME', layersUsage);
    const taps = await client.call('model.layers', { path: positionals[0]!, name: positionals[1]! });
    createOutput(values.json === true).result(taps, () => describeTaps(taps));
  },
};

const generateUsage = `usage: unitscope model generate ${GENERATOR_KINDS.join('|')} --seed N --out FILE [--json]`;
const generateCmd: Command = {
  name: 'generate',
  summary: 'write an untrained control network (or the tiny test CNN) as ONNX',
  usage: generateUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { ...help, seed: { type: 'string' }, out: { type: 'string' } }, generateUsage);
    if (values.help) return void process.stdout.write(`${generateUsage}\n`);
    const kind = positionals[0];
    if (positionals.length !== 1 || !GENERATOR_KINDS.includes(kind as (typeof GENERATOR_KINDS)[number])) throw new UsageError(`model generate: expected one of ${GENERATOR_KINDS.join(', ')}`, generateUsage);
    if (!values.out) throw new UsageError('model generate: --out is required', generateUsage);
    const seed = parseNumberOption(values.seed, 'seed', generateUsage) ?? 0;
    const result = await client.call('model.generate', { kind: kind as (typeof GENERATOR_KINDS)[number], seed, out: values.out });
    createOutput(values.json === true).result(result, () => `wrote ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB)`);
  },
};

function describeEntry(e: CatalogueEntry): string {
  const size = e.bytes ?? e.approxBytes;
  return [
    `${e.name}  ${e.title}`,
    `  ${e.architecture}`,
    `  trained on: ${e.trainingData}`,
    `  licence ${e.licence}, preset ${e.preset}, ${e.format}, ${e.bytes ? '' : '~'}${(size / 1e6).toFixed(0)} MB, input '${e.inputName}'${e.fixedBatch ? ` (batch fixed at ${e.fixedBatch})` : ''}, output '${e.outputName}', ${e.taps.length} taps`,
    `  ${e.url}`,
    `  sha256 ${e.sha256}`,
  ].join('\n');
}

const catalogueUsage = 'usage: unitscope model catalogue [--json]';
const catalogueCmd: Command = {
  name: 'catalogue',
  summary: 'pretrained models the app can download (pinned URL, sha256, licence, preset, taps)',
  usage: catalogueUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, help, catalogueUsage);
    if (values.help) return void process.stdout.write(`${catalogueUsage}\n`);
    if (positionals.length !== 0) throw new UsageError('model catalogue: takes no arguments', catalogueUsage);
    const entries = await client.call('model.catalogue', {});
    createOutput(values.json === true).result(entries, () => entries.map(describeEntry).join('\n\n'));
  },
};

const downloadUsage = 'usage: unitscope model download PROJECT NAME [--url URL] [--name MODEL] [--json]   (NAME from `model catalogue`; --url: a mirror of the same file)';
const download: Command = {
  name: 'download',
  summary: 'download a catalogue model (resumable, sha256-checked) and add it',
  usage: downloadUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(argv, { ...help, url: { type: 'string' }, name: { type: 'string' } }, downloadUsage);
    if (values.help) return void process.stdout.write(`${downloadUsage}\n`);
    if (positionals.length !== 2) throw new UsageError('model download: expected PROJECT and a catalogue NAME', downloadUsage);
    const output = createOutput(values.json === true);
    const info = await client.call(
      'model.download',
      { path: positionals[0]!, id: positionals[1]!, ...(values.url ? { url: values.url } : {}), ...(values.name ? { name: values.name } : {}) },
      { signal, onProgress: (p) => output.progress(p) },
    );
    output.result(info, () => `downloaded and added ${describeModel(info)}`);
  },
};

const importUsage = `usage: unitscope model import-weights FILE --arch ${WEIGHT_ARCHITECTURES.join('|')} (--out FILE.onnx | --project PROJECT --name MODEL) [--json]`;
const importWeights: Command = {
  name: 'import-weights',
  summary: "build the app's ResNet-50 / CLIP RN50 with your weights (safetensors or .pth)",
  usage: importUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(argv, { ...help, arch: { type: 'string' }, out: { type: 'string' }, project: { type: 'string' }, name: { type: 'string' } }, importUsage);
    if (values.help) return void process.stdout.write(`${importUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('model import-weights: expected one weights FILE', importUsage);
    const arch = values.arch;
    if (!arch || !WEIGHT_ARCHITECTURES.includes(arch as WeightArchitecture)) throw new UsageError(`model import-weights: --arch must be one of ${WEIGHT_ARCHITECTURES.join(', ')}`, importUsage);
    if ((values.out === undefined) === (values.project === undefined)) throw new UsageError('model import-weights: give either --out FILE.onnx or --project PROJECT --name MODEL', importUsage);
    const output = createOutput(values.json === true);
    const file = positionals[0]!;
    const call = { signal, onProgress: (p: Parameters<typeof output.progress>[0]) => output.progress(p) };
    if (values.out !== undefined) {
      const result = await client.call('model.convertWeights', { file, arch: arch as WeightArchitecture, out: values.out }, call);
      output.result(result, () => `wrote ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB, ${result.tensors} tensors${result.ignored ? `, ${result.ignored} unused ignored` : ''})`);
      return;
    }
    if (!values.name) throw new UsageError('model import-weights: --project needs --name MODEL', importUsage);
    const info = await client.call('model.importWeights', { path: values.project!, file, arch: arch as WeightArchitecture, name: values.name }, call);
    output.result(info, () => `added ${describeModel(info)}\n${describeTaps(info.taps)}`);
  },
};

export const modelCommand = commandGroup('model', 'add, inspect, refresh, generate and download models', [add, inspect, list, refresh, layers, generateCmd, catalogueCmd, download, importWeights]);
