import { commandGroup, defineCommand } from '../command.ts';
import { UsageError } from '../io.ts';
import type { ProjectCheckReport, ProjectInfo } from '../../contract/types.ts';

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

const create = defineCommand({
  name: 'create',
  summary: 'create an empty project file (PATH ends in .unitscope)',
  usage: 'usage: unitscope project create PATH [--name NAME] [--json]',
  options: { name: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('project create: expected one PATH', usage);
    const info = await client.call('project.create', { path: positionals[0]!, ...(values.name ? { name: values.name } : {}) });
    output.result(info, () => `created ${info.path}`);
  },
});

const info = defineCommand({
  name: 'info',
  summary: 'show a project: stimuli, models, runs, schema and size',
  usage: 'usage: unitscope project info PATH [--json]',
  async run({ positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('project info: expected one PATH', usage);
    const result = await client.call('project.info', { path: positionals[0]! });
    output.result(result, () => describeProject(result));
  },
});

const check = defineCommand({
  name: 'check',
  summary: 'verify a project file: every page and every stored checksum (exit 1 when damaged)',
  usage: `usage: unitscope project check PATH [--json]

The full integrity check: SQLite's integrity_check over every page and every stored checksum (results,
statistics, checkpoints, bootstraps). Reads only. Prints what is damaged and how to recover it; exit 1 when
anything is.`,
  async run({ positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('project check: expected one PATH', usage);
    const report = await client.call('project.check', { path: positionals[0]! }, longCall);
    output.endProgress();
    output.result(report, () => describeCheck(report));
    return report.ok ? 0 : 1;
  },
});

function describeCheck(report: ProjectCheckReport): string {
  const verified = `${report.pages} pages, ${report.checksums} checksums`;
  const lines = report.ok ? [`${report.path}: ok (${verified})`] : [`${report.path}: DAMAGED (${report.damage.length} problems; ${verified})`];
  for (const d of report.damage) lines.push(`  ${d.where}: ${d.problem}`);
  if (!report.ok) {
    const ways = [...new Set(report.damage.map((d) => d.recovery))];
    lines.push('nothing was changed. To recover:', ...ways.map((w) => `  ${w}`));
  }
  if (report.note) lines.push(`note: ${report.note}`);
  return lines.join('\n');
}

const rename = defineCommand({
  name: 'rename',
  summary: 'rename or move a project (its NAME.files folder moves with it), or set its display name',
  usage: 'usage: unitscope project rename PATH [--to NEW_PATH] [--name NAME] [--json]',
  options: { to: { type: 'string' }, name: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('project rename: expected one PATH', usage);
    if (!values.to && !values.name) throw new UsageError('project rename: give --to NEW_PATH and/or --name NAME', usage);
    const result = await client.call('project.rename', { path: positionals[0]!, ...(values.to ? { to: values.to } : {}), ...(values.name ? { name: values.name } : {}) });
    output.result(result, () => `project ${result.name} is at ${result.path}`);
  },
});

const duplicate = defineCommand({
  name: 'duplicate',
  summary: 'copy a project and its files folder to a new path',
  usage: 'usage: unitscope project duplicate PATH NEW_PATH [--name NAME] [--json]',
  options: { name: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 2) throw new UsageError('project duplicate: expected PATH and NEW_PATH', usage);
    const result = await client.call('project.duplicate', { path: positionals[0]!, to: positionals[1]!, ...(values.name ? { name: values.name } : {}) });
    output.result(result, () => `copied to ${result.path}`);
  },
});

const remove = defineCommand({
  name: 'delete',
  summary: 'delete a project file and its files folder',
  usage: 'usage: unitscope project delete PATH --yes [--json]\n\nRemoves the project file and its NAME.files folder (copied and generated stimuli); referenced stimuli stay.',
  options: { yes: { type: 'boolean' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('project delete: expected one PATH', usage);
    if (!values.yes) throw new UsageError('project delete: add --yes to confirm (this cannot be undone)', usage);
    const result = await client.call('project.delete', { path: positionals[0]! });
    output.result(result, () => `deleted ${result.removed.join(', ')}`);
  },
});

const recent = defineCommand({
  name: 'recent',
  summary: 'list recently opened projects',
  usage: 'usage: unitscope project recent [--json]',
  async run({ positionals, output, usage }, { client }) {
    if (positionals.length !== 0) throw new UsageError('project recent: takes no arguments', usage);
    const result = await client.call('project.recent', {});
    output.result(result, () =>
      result.length === 0 ? 'no recent projects' : result.map((r) => `${r.openedAt}  ${r.name}  ${r.path}${r.exists ? '' : '  (missing)'}`).join('\n'),
    );
  },
});

export const projectCommand = commandGroup('project', 'create and inspect projects', [create, info, check, rename, duplicate, remove, recent]);
