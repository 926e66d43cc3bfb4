import type { Command } from '../command.ts';
import { commandGroup } from '../command.ts';
import { createOutput, parseCommandArgs, UsageError } from '../io.ts';
import type { ProjectInfo } from '../../contract/types.ts';

function describeProject(info: ProjectInfo): string {
  const lines = [
    `project   ${info.name}`,
    `file      ${info.path} (${(info.bytes / 1024 / 1024).toFixed(1)} MiB, schema ${info.schemaVersion})`,
    `stimuli   ${info.imageCount} images in ${info.categories.length} categories`,
  ];
  for (const c of info.categories) {
    lines.push(`          ${c.name} (${c.role}${c.controlsFor ? ` for ${c.controlsFor}` : ''}): ${c.images}`);
  }
  lines.push(`models    ${info.modelCount}`);
  lines.push(`runs      ${info.runs.length}`);
  for (const r of info.runs) {
    const provider = r.provider ? ` on ${r.provider}` : '';
    const seconds = r.seconds !== null ? ` in ${r.seconds.toFixed(1)} s` : '';
    lines.push(`          #${r.id} ${r.model} ${r.recipe.recipe} ${r.status}${provider}${seconds}`);
  }
  return lines.join('\n');
}

const createUsage = 'usage: unitscope project create PATH [--name NAME] [--json]';
const create: Command = {
  name: 'create',
  summary: 'create an empty project file (PATH ends in .unitscope)',
  usage: createUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, createUsage);
    if (values.help) return void process.stdout.write(`${createUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('project create: expected one PATH', createUsage);
    const info = await client.call('project.create', { path: positionals[0]!, ...(values.name ? { name: values.name } : {}) });
    createOutput(values.json === true).result(info, () => `created ${info.path}`);
  },
};

const infoUsage = 'usage: unitscope project info PATH [--json]';
const info: Command = {
  name: 'info',
  summary: 'show a project: stimuli, models, runs, schema and size',
  usage: infoUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean' } }, infoUsage);
    if (values.help) return void process.stdout.write(`${infoUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('project info: expected one PATH', infoUsage);
    const result = await client.call('project.info', { path: positionals[0]! });
    createOutput(values.json === true).result(result, () => describeProject(result));
  },
};

export const projectCommand = commandGroup('project', 'create and inspect projects', [create, info]);
