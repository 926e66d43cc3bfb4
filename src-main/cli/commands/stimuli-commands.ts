// `unitscope stimuli import|list|check|scramble|fetch-floc` and `unitscope demo-stimuli`.
import { commandGroup, defineCommand } from '../command.ts';
import { parseNumberOption, UsageError } from '../io.ts';
import type { CategoryInfo, StimulusProblem } from '../../contract/types.ts';

function problemLines(problems: readonly StimulusProblem[]): string[] {
  return problems.map((p) => `${p.severity === 'warning' ? 'warning' : 'problem'}: ${p.file}: ${p.reason}`);
}

function categoryLines(categories: readonly CategoryInfo[]): string[] {
  return categories.map((c) => `  ${c.name.padEnd(20)} ${String(c.images).padStart(6)}  ${c.role}${c.controlsFor ? ` for ${c.controlsFor}` : ''}`);
}

/** `a=b,c=d` -> {a: 'b', c: 'd'} (repeatable option values are joined first). */
function parsePairs(values: string[] | undefined, option: string, usage: string, allowBare: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const item of (values ?? []).flatMap((v) => v.split(','))) {
    const text = item.trim();
    if (!text) continue;
    const eq = text.indexOf('=');
    if (eq < 0) {
      if (!allowBare) throw new UsageError(`--${option} expects NAME=VALUE, got '${text}'`, usage);
      out[text] = null;
      continue;
    }
    const key = text.slice(0, eq).trim();
    const value = text.slice(eq + 1).trim();
    if (!key || !value) throw new UsageError(`--${option} expects NAME=VALUE, got '${text}'`, usage);
    out[key] = value;
  }
  return out;
}

const importUsage = `usage: unitscope stimuli import PROJECT SOURCE [--map SUB=CAT,...] [--control CAT[=TARGET]] [--target CAT] [--copy] [--json]

SOURCE is a folder with one subfolder per category (nested folders give subcategories), the fLoc folder
(recognised automatically; adult,child->faces body,limb->bodies corridor,house->scenes word,number->words
car,instrument->objects, scrambled), or a CSV/TSV manifest with columns stim_file (or path), category and
optional subcategory, role, controls_for (rows name files under the manifest's folder). --map renames
folders/subcategories to categories; --control marks a category as a control (for TARGET). A new
category named scrambled_X is taken as the control for X unless --target names it. --copy copies the
files into the project's folder.
Exits 0 when some images were usable (problems are listed), 1 when none was.`;

const importCommand = defineCommand({
  name: 'import',
  summary: 'import a folder, the fLoc set or a CSV/TSV manifest into a project',
  usage: importUsage,
  options: { map: { type: 'string', multiple: true }, control: { type: 'string', multiple: true }, target: { type: 'string', multiple: true }, copy: { type: 'boolean' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 2) throw new UsageError('stimuli import: expected PROJECT and SOURCE', usage);
    const map = parsePairs(values.map, 'map', usage, false) as Record<string, string>;
    const controls = parsePairs(values.control, 'control', usage, true);
    const result = await client.call(
      'stimuli.import',
      { path: positionals[0]!, source: positionals[1]!, map, controls, targets: (values.target ?? []).flatMap((t) => t.split(',')).filter(Boolean), copy: values.copy === true },
      longCall,
    );
    output.endProgress();
    output.result(result, () =>
      [
        `imported ${result.imported} images from ${result.source} (${result.layout} layout): ${result.added} added, ${result.changed} changed, ${result.unchanged} unchanged, ${result.missing} missing`,
        ...categoryLines(result.categories),
        ...problemLines(result.problems),
      ].join('\n'),
    );
    const usable = result.added + result.changed + result.unchanged;
    if (usable === 0) {
      output.info(`no usable image in ${result.source}`);
      return 1;
    }
    return 0;
  },
});

const listCommand = defineCommand({
  name: 'list',
  summary: 'categories with counts and roles, and the image records',
  usage: 'usage: unitscope stimuli list PROJECT [--category CAT] [--offset N] [--limit N] [--json]',
  options: { category: { type: 'string' }, offset: { type: 'string' }, limit: { type: 'string' } },
  async run({ values, positionals, output, usage }, { client }) {
    if (positionals.length !== 1) throw new UsageError('stimuli list: expected one PROJECT', usage);
    const offset = parseNumberOption(values.offset, 'offset', usage);
    const limit = parseNumberOption(values.limit, 'limit', usage);
    const result = await client.call('stimuli.list', {
      path: positionals[0]!,
      ...(values.category ? { category: values.category } : {}),
      ...(offset !== undefined ? { offset } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    output.result(result, () =>
      [
        `${result.categories.length} categories:`,
        ...categoryLines(result.categories),
        `${result.total} images${result.images.length < result.total ? ` (showing ${result.images.length})` : ''}:`,
        ...result.images.map((i) => `  ${i.category}\t${i.width}x${i.height}\t${i.format}\t${i.status}\t${i.path}`),
      ].join('\n'),
    );
  },
});

const checkUsage = `usage: unitscope stimuli check PROJECT [--update] [--json]

Rescans every image: missing files and files whose bytes changed since import (sha256) are marked and
listed. --update records what changed files hold now (hash, size, header, thumbnail), so new runs use
them; runs made before keep the hashes they read and refuse per-image analyses of the new bytes.`;
const checkCommand = defineCommand({
  name: 'check',
  summary: 'rescan the files (missing, changed) and validate the set; --update records changed files',
  usage: checkUsage,
  options: { update: { type: 'boolean' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('stimuli check: expected one PROJECT', usage);
    const report = await client.call('stimuli.check', { path: positionals[0]!, ...(values.update ? { update: true } : {}) }, longCall);
    output.endProgress();
    output.result(report, () =>
      [
        `${report.images} images: ${report.ok} ok${report.updated > 0 ? ` (${report.updated} updated)` : ''}, ${report.missing} missing, ${report.changed} changed; ${report.problems.length} problems`,
        ...problemLines(report.problems),
      ].join('\n'),
    );
  },
});

const scrambleCommand = defineCommand({
  name: 'scramble',
  summary: 'make a scrambled control category from a category (block or Fourier phase)',
  usage: 'usage: unitscope stimuli scramble PROJECT --from CAT --as NEWCAT --method block|phase [--grid N] [--seed N] [--luminance] [--json]',
  options: { from: { type: 'string' }, as: { type: 'string' }, method: { type: 'string' }, grid: { type: 'string' }, seed: { type: 'string' }, luminance: { type: 'boolean' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('stimuli scramble: expected one PROJECT', usage);
    if (!values.from || !values.as) throw new UsageError('stimuli scramble: --from and --as are required', usage);
    if (values.method !== 'block' && values.method !== 'phase') throw new UsageError("stimuli scramble: --method must be 'block' or 'phase'", usage);
    const grid = parseNumberOption(values.grid, 'grid', usage);
    const seed = parseNumberOption(values.seed, 'seed', usage);
    const result = await client.call(
      'stimuli.scramble',
      {
        path: positionals[0]!,
        from: values.from,
        as: values.as,
        method: values.method,
        ...(grid !== undefined ? { grid } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(values.luminance ? { phaseMode: 'luminance' as const } : {}),
      },
      longCall,
    );
    output.endProgress();
    output.result(result, () => `made ${result.category} (${result.images} images, ${result.method} scrambling of ${result.from}, seed ${result.seed})`);
  },
});

const flocUsage = `usage: unitscope stimuli fetch-floc PROJECT [--url URL|FILE] [--controls] [--json]

Downloads the fLoc stimulus set (Stigliani et al. 2015; the repository archive pinned at commit
de6a26c) into PROJECT's folder, checks every image against the manifest shipped with the app (path,
bytes, sha256), and imports the images with the fLoc map. --url: a mirror or a local copy of the same
archive (tar, tar.gz or zip). --controls also makes phase-scrambled scenes and block-scrambled words.
Run it again to resume: images already verified are kept. A missing or differing file is named; the
others are imported. Exits 1 when some image failed.`;

const fetchFlocCommand = defineCommand({
  name: 'fetch-floc',
  summary: 'download the fLoc set, verify it against the manifest and import it',
  usage: flocUsage,
  options: { url: { type: 'string' }, controls: { type: 'boolean' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('stimuli fetch-floc: expected PROJECT', usage);
    const result = await client.call(
      'stimuli.fetchFloc',
      { path: positionals[0]!, ...(values.url !== undefined ? { url: values.url } : {}), ...(values.controls ? { controls: true } : {}) },
      longCall,
    );
    output.endProgress();
    output.result(result, () =>
      [
        `fLoc at ${result.commit.slice(0, 7)}: ${result.verified} of ${result.expected} images verified${result.reused ? ' (already in place, nothing downloaded)' : ''}, in ${result.folder}`,
        `imported ${result.import.imported} (${result.import.added} added, ${result.import.unchanged} unchanged)`,
        ...categoryLines(result.import.categories),
        ...result.controls.map((c) => `made ${c.category} from ${c.from} (${c.method}, ${c.images} images)`),
        ...result.failed.map((f) => `problem: ${f.path} ${f.reason}`),
        ...problemLines(result.import.problems),
      ].join('\n'),
    );
    return result.failed.length > 0 ? 1 : 0;
  },
});

export const stimuliCommand = commandGroup('stimuli', 'import, list, check and scramble a project\'s stimuli', [importCommand, listCommand, checkCommand, scrambleCommand, fetchFlocCommand]);

export const demoStimuliCommand = defineCommand({
  name: 'demo-stimuli',
  summary: 'write the procedural demo localizer set (faces, bodies, scenes, words + scrambled) to a folder',
  usage: 'usage: unitscope demo-stimuli OUT_DIR [--seed N] [--per-category N] [--json]',
  options: { seed: { type: 'string' }, 'per-category': { type: 'string' } },
  async run({ values, positionals, output, usage, longCall }, { client }) {
    if (positionals.length !== 1) throw new UsageError('demo-stimuli: expected one OUT_DIR', usage);
    const seed = parseNumberOption(values.seed, 'seed', usage);
    const perCategory = parseNumberOption(values['per-category'], 'per-category', usage);
    const result = await client.call(
      'stimuli.demo',
      { outDir: positionals[0]!, ...(seed !== undefined ? { seed } : {}), ...(perCategory !== undefined ? { perCategory } : {}) },
      longCall,
    );
    output.endProgress();
    output.result(result, () => [`wrote the demo set to ${result.outDir} (seed ${result.seed})`, ...result.categories.map((c) => `  ${c.name.padEnd(18)} ${c.files}  ${c.role}${c.controlsFor ? ` for ${c.controlsFor}` : ''}`)].join('\n'));
  },
});
