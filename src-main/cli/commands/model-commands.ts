import { commandGroup, defineCommand } from '../command.ts';
import { parseNumberOption, UsageError } from '../io.ts';
import { tapShapeLabel as shapeText, type CatalogueEntry, type ModelInfo, type ModelInspection, type TapInfo, type WeightArchitecture } from '../../contract/models.ts';
import { GENERATOR_KINDS, WEIGHT_ARCHITECTURES } from '../../contract/models.ts';

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
      lines.push(`  ${mark} ${t.name.padEnd(width)} ${(t.role ?? '').padEnd(5)} ${t.op.padEnd(18)} ${shapeText(t).padEnd(16)} ${String(t.units).padStart(9)}  ${t.tensor}${t.batchAxis === 1 ? '  (L x N x D)' : ''}`);
    }
  });
  if (m.candidates.some((t) => t.batchAxis === 1)) lines.push('', '(L x N x D): the model keeps these tokens sequence-first; they are read batch-first, a unit is (token, dim) as in N x L x D');
  return lines.join('\n');
}

function parseSize(value: string | undefined, usage: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`--size must be H,W (positive integers), got '${value}'`, usage);
  return [parts[0]!, parts[1]!];
}

const add = defineCommand({
  name: 'add',
  summary: 'add an ONNX model to the project (inspects it, finds taps, records sha256)',
  usage: 'usage: unitscope model add PROJECT FILE --name NAME [--preset imagenet|clip|none] [--size H,W] [--taps auto|stages|T1,T2,...] [--copy] [--json]',
  options: { name: { type: 'string' }, preset: { type: 'string' }, size: { type: 'string' }, taps: { type: 'string' }, copy: { type: 'boolean' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 2) throw new UsageError('model add: expected PROJECT and FILE', usage);
    if (!values.name) throw new UsageError('model add: --name is required', usage);
    const preset = values.preset ?? 'imagenet';
    if (!['imagenet', 'clip', 'none'].includes(preset)) throw new UsageError(`model add: --preset must be imagenet, clip or none, got '${preset}'`, usage);
    const size = parseSize(values.size, usage);
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
    output.result(info, () => `added ${describeModel(info)}\n${describeTaps(info.taps)}`);
  },
});

const inspect = defineCommand({
  name: 'inspect',
  summary: "show a model file's inputs, outputs, opset, op counts and candidate taps, without adding it",
  usage: 'usage: unitscope model inspect FILE [--size H,W] [--json]',
  options: { size: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('model inspect: expected FILE', usage);
    const size = parseSize(values.size, usage);
    const inspection = await client.call('model.inspect', { file: positionals[0]!, ...(size ? { size } : {}) });
    output.result(inspection, () => describeInspection(inspection));
  },
});

const list = defineCommand({
  name: 'list',
  summary: 'list the models of a project (flags files that changed since they were added)',
  usage: 'usage: unitscope model list PROJECT [--json]',
  async run({ positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('model list: expected PROJECT', usage);
    const models = await client.call('model.list', { path: positionals[0]! });
    output.result(models, () => (models.length === 0 ? 'no models' : models.map(describeModel).join('\n')));
  },
});

const refreshUsage = `usage: unitscope model refresh PROJECT NAME [--json]

Records what the model's file holds now, after it changed on disk (re-exported, replaced): its sha256,
size, input and the shapes of its taps (found again by tensor name). New runs then use the new file;
runs made before keep the sha256 they read and refuse per-image analyses (unit inspector, consistency,
rank-sum, reliability, ablation) of the new bytes.`;
const refresh = defineCommand({
  name: 'refresh',
  summary: "record a model file's new contents after it changed on disk",
  usage: refreshUsage,
  async run({ positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 2) throw new UsageError('model refresh: expected PROJECT and NAME', usage);
    const result = await client.call('model.refresh', { path: positionals[0]!, name: positionals[1]! }, longCall);
    output.result(result, () =>
      result.updated
        ? `refreshed ${describeModel(result.model)}\nsha256 ${result.previousSha256} -> ${result.model.sha256}`
        : `${result.model.name}: the file still holds the recorded bytes (sha256 ${result.model.sha256}); nothing to refresh`,
    );
  },
});

const layers = defineCommand({
  name: 'layers',
  summary: "show a model's taps: name, tensor, shape, units",
  usage: 'usage: unitscope model layers PROJECT NAME [--json]',
  async run({ positionals, output, usage }, { client }) {
    if (positionals.length !== 2) throw new UsageError('model layers: expected PROJECT and NAME', usage);
    const taps = await client.call('model.layers', { path: positionals[0]!, name: positionals[1]! });
    output.result(taps, () => describeTaps(taps));
  },
});

const generateCmd = defineCommand({
  name: 'generate',
  summary: 'write an untrained control network (or the tiny test CNN) as ONNX',
  usage: `usage: unitscope model generate ${GENERATOR_KINDS.join('|')} --seed N --out FILE [--json]`,
  options: { seed: { type: 'string' }, out: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    const kind = positionals[0];
    if (positionals.length !== 1 || !GENERATOR_KINDS.includes(kind as (typeof GENERATOR_KINDS)[number])) throw new UsageError(`model generate: expected one of ${GENERATOR_KINDS.join(', ')}`, usage);
    if (!values.out) throw new UsageError('model generate: --out is required', usage);
    const seed = parseNumberOption(values.seed, 'seed', usage) ?? 0;
    const result = await client.call('model.generate', { kind: kind as (typeof GENERATOR_KINDS)[number], seed, out: values.out });
    output.result(result, () => `wrote ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB)`);
  },
});

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

const catalogueCmd = defineCommand({
  name: 'catalogue',
  summary: 'pretrained models the app can download (pinned URL, sha256, licence, preset, taps)',
  usage: 'usage: unitscope model catalogue [--json]',
  async run({ positionals, output, usage }, { client }) {
    if (positionals.length !== 0) throw new UsageError('model catalogue: takes no arguments', usage);
    const entries = await client.call('model.catalogue', {});
    output.result(entries, () => entries.map(describeEntry).join('\n\n'));
  },
});

const download = defineCommand({
  name: 'download',
  summary: 'download a catalogue model (resumable, sha256-checked) and add it',
  usage: 'usage: unitscope model download PROJECT NAME [--url URL] [--name MODEL] [--json]   (NAME from `model catalogue`; --url: a mirror of the same file)',
  options: { url: { type: 'string' }, name: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 2) throw new UsageError('model download: expected PROJECT and a catalogue NAME', usage);
    const info = await client.call(
      'model.download',
      { path: positionals[0]!, id: positionals[1]!, ...(values.url ? { url: values.url } : {}), ...(values.name ? { name: values.name } : {}) },
      longCall,
    );
    output.result(info, () => `downloaded and added ${describeModel(info)}`);
  },
});

const importWeights = defineCommand({
  name: 'import-weights',
  summary: "build the app's ResNet-50 / CLIP RN50 with your weights (safetensors or .pth)",
  usage: `usage: unitscope model import-weights FILE --arch ${WEIGHT_ARCHITECTURES.join('|')} (--out FILE.onnx | --project PROJECT --name MODEL) [--json]`,
  options: { arch: { type: 'string' }, out: { type: 'string' }, project: { type: 'string' }, name: { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('model import-weights: expected one weights FILE', usage);
    const arch = values.arch;
    if (!arch || !WEIGHT_ARCHITECTURES.includes(arch as WeightArchitecture)) throw new UsageError(`model import-weights: --arch must be one of ${WEIGHT_ARCHITECTURES.join(', ')}`, usage);
    if ((values.out === undefined) === (values.project === undefined)) throw new UsageError('model import-weights: give either --out FILE.onnx or --project PROJECT --name MODEL', usage);
    const file = positionals[0]!;
    if (values.out !== undefined) {
      const result = await client.call('model.convertWeights', { file, arch: arch as WeightArchitecture, out: values.out }, longCall);
      output.result(result, () => `wrote ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB, ${result.tensors} tensors${result.ignored ? `, ${result.ignored} unused ignored` : ''})`);
      return;
    }
    if (!values.name) throw new UsageError('model import-weights: --project needs --name MODEL', usage);
    const info = await client.call('model.importWeights', { path: values.project!, file, arch: arch as WeightArchitecture, name: values.name }, longCall);
    output.result(info, () => `added ${describeModel(info)}\n${describeTaps(info.taps)}`);
  },
});

export const modelCommand = commandGroup('model', 'add, inspect, refresh, generate and download models', [add, inspect, list, refresh, layers, generateCmd, catalogueCmd, download, importWeights]);
