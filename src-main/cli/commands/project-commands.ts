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

const renameUsage = 'usage: unitscope project rename PATH [--to NEW_PATH] [--name NAME] [--json]';
const rename: Command = {
  name: 'rename',
  summary: 'rename or move a project (its NAME.files folder moves with it), or set its display name',
  usage: renameUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { to: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, renameUsage);
    if (values.help) return void process.stdout.write(`${renameUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('project rename: expected one PATH', renameUsage);
    if (!values.to && !values.name) throw new UsageError('project rename: give --to NEW_PATH and/or --name NAME', renameUsage);
    const result = await client.call('project.rename', { path: positionals[0]!, ...(values.to ? { to: values.to } : {}), ...(values.name ? { name: values.name } : {}) });
    createOutput(values.json === true).result(result, () => `project ${result.name} is at ${result.path}`);
  },
};

const duplicateUsage = 'usage: unitscope project duplicate PATH NEW_PATH [--name NAME] [--json]';
const duplicate: Command = {
  name: 'duplicate',
  summary: 'copy a project and its files folder to a new path',
  usage: duplicateUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, duplicateUsage);
    if (values.help) return void process.stdout.write(`${duplicateUsage}\n`);
    if (positionals.length !== 2) throw new UsageError('project duplicate: expected PATH and NEW_PATH', duplicateUsage);
    const result = await client.call('project.duplicate', { path: positionals[0]!, to: positionals[1]!, ...(values.name ? { name: values.name } : {}) });
    createOutput(values.json === true).result(result, () => `copied to ${result.path}`);
  },
};

const deleteUsage = 'usage: unitscope project delete PATH --yes [--json]\n\nRemoves the project file and its NAME.files folder (copied and generated stimuli); referenced stimuli stay.';
const remove: Command = {
  name: 'delete',
  summary: 'delete a project file and its files folder',
  usage: deleteUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { yes: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, deleteUsage);
    if (values.help) return void process.stdout.write(`${deleteUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('project delete: expected one PATH', deleteUsage);
    if (!values.yes) throw new UsageError('project delete: add --yes to confirm (this cannot be undone)', deleteUsage);
    const result = await client.call('project.delete', { path: positionals[0]! });
    createOutput(values.json === true).result(result, () => `deleted ${result.removed.join(', ')}`);
  },
};

const recentUsage = 'usage: unitscope project recent [--json]';
const recent: Command = {
  name: 'recent',
  summary: 'list recently opened projects',
  usage: recentUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean' } }, recentUsage);
    if (values.help) return void process.stdout.write(`${recentUsage}\n`);
    if (positionals.length !== 0) throw new UsageError('project recent: takes no arguments', recentUsage);
    const result = await client.call('project.recent', {});
    createOutput(values.json === true).result(result, () =>
      result.length === 0 ? 'no recent projects' : result.map((r) => `${r.openedAt}  ${r.name}  ${r.path}${r.exists ? '' : '  (missing)'}`).join('\n'),
    );
  },
};

export const projectCommand = commandGroup('project', 'create and inspect projects', [create, info, rename, duplicate, remove, recent]);
