// `unitscope stimuli import|list|check|scramble|fetch-floc` and `unitscope demo-stimuli`.
import type { Command } from '../command.ts';
import { commandGroup } from '../command.ts';
import { createOutput, parseCommandArgs, parseNumberOption, UsageError } from '../io.ts';
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

const importCommand: Command = {
  name: 'import',
  summary: 'import a folder, the fLoc set or a CSV/TSV manifest into a project',
  usage: importUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { map: { type: 'string', multiple: true }, control: { type: 'string', multiple: true }, target: { type: 'string', multiple: true }, copy: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      importUsage,
    );
    if (values.help) return void process.stdout.write(`${importUsage}\n`);
    if (positionals.length !== 2) throw new UsageError('stimuli import: expected PROJECT and SOURCE', importUsage);
    const map = parsePairs(values.map, 'map', importUsage, false) as Record<string, string>;
    const controls = parsePairs(values.control, 'control', importUsage, true);
    const out = createOutput(values.json === true);
    const result = await client.call(
      'stimuli.import',
      { path: positionals[0]!, source: positionals[1]!, map, controls, targets: (values.target ?? []).flatMap((t) => t.split(',')).filter(Boolean), copy: values.copy === true },
      { signal, onProgress: (p) => out.progress(p) },
    );
    out.endProgress();
    out.result(result, () =>
      [
        `imported ${result.imported} images from ${result.source} (${result.layout} layout): ${result.added} added, ${result.changed} changed, ${result.unchanged} unchanged, ${result.missing} missing`,
        ...categoryLines(result.categories),
        ...problemLines(result.problems),
      ].join('\n'),
    );
    const usable = result.added + result.changed + result.unchanged;
    if (usable === 0) {
      out.info(`no usable image in ${result.source}`);
      return 1;
    }
    return 0;
  },
};

const listUsage = 'usage: unitscope stimuli list PROJECT [--category CAT] [--offset N] [--limit N] [--json]';
const listCommand: Command = {
  name: 'list',
  summary: 'categories with counts and roles, and the image records',
  usage: listUsage,
  async run(argv, { client }) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { category: { type: 'string' }, offset: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      listUsage,
    );
    if (values.help) return void process.stdout.write(`${listUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('stimuli list: expected one PROJECT', listUsage);
    const offset = parseNumberOption(values.offset, 'offset', listUsage);
    const limit = parseNumberOption(values.limit, 'limit', listUsage);
    const result = await client.call('stimuli.list', {
      path: positionals[0]!,
      ...(values.category ? { category: values.category } : {}),
      ...(offset !== undefined ? { offset } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    createOutput(values.json === true).result(result, () =>
      [
        `${result.categories.length} categories:`,
        ...categoryLines(result.categories),
        `${result.total} images${result.images.length < result.total ? ` (showing ${result.images.length})` : ''}:`,
        ...result.images.map((i) => `  ${i.category}\t${i.width}x${i.height}\t${i.format}\t${i.status}\t${i.path}`),
      ].join('\n'),
    );
  },
};

const checkUsage = `usage: unitscope stimuli check PROJECT [--update] [--json]

Rescans every image: missing files and files whose bytes changed since import (sha256) are marked and
listed. --update records what changed files hold now (hash, size, header, thumbnail), so new runs use
them; runs made before keep the hashes they read and refuse per-image analyses of the new bytes.`;
const checkCommand: Command = {
  name: 'check',
  summary: 'rescan the files (missing, changed) and validate the set; --update records changed files',
  usage: checkUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(argv, { update: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, checkUsage);
    if (values.help) return void process.stdout.write(`${checkUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('stimuli check: expected one PROJECT', checkUsage);
    const out = createOutput(values.json === true);
    const report = await client.call('stimuli.check', { path: positionals[0]!, ...(values.update ? { update: true } : {}) }, { signal, onProgress: (p) => out.progress(p) });
    out.endProgress();
    out.result(report, () =>
      [
        `${report.images} images: ${report.ok} ok${report.updated > 0 ? ` (${report.updated} updated)` : ''}, ${report.missing} missing, ${report.changed} changed; ${report.problems.length} problems`,
        ...problemLines(report.problems),
      ].join('\n'),
    );
  },
};

const scrambleUsage = 'usage: unitscope stimuli scramble PROJECT --from CAT --as NEWCAT --method block|phase [--grid N] [--seed N] [--luminance] [--json]';
const scrambleCommand: Command = {
  name: 'scramble',
  summary: 'make a scrambled control category from a category (block or Fourier phase)',
  usage: scrambleUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        from: { type: 'string' },
        as: { type: 'string' },
        method: { type: 'string' },
        grid: { type: 'string' },
        seed: { type: 'string' },
        luminance: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      scrambleUsage,
    );
    if (values.help) return void process.stdout.write(`${scrambleUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('stimuli scramble: expected one PROJECT', scrambleUsage);
    if (!values.from || !values.as) throw new UsageError('stimuli scramble: --from and --as are required', scrambleUsage);
    if (values.method !== 'block' && values.method !== 'phase') throw new UsageError("stimuli scramble: --method must be 'block' or 'phase'", scrambleUsage);
    const grid = parseNumberOption(values.grid, 'grid', scrambleUsage);
    const seed = parseNumberOption(values.seed, 'seed', scrambleUsage);
    const out = createOutput(values.json === true);
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
      { signal, onProgress: (p) => out.progress(p) },
    );
    out.endProgress();
    out.result(result, () => `made ${result.category} (${result.images} images, ${result.method} scrambling of ${result.from}, seed ${result.seed})`);
  },
};

const flocUsage = `usage: unitscope stimuli fetch-floc PROJECT [--url URL|FILE] [--controls] [--json]

Downloads the fLoc stimulus set (Stigliani et al. 2015; the repository archive pinned at commit
de6a26c) into PROJECT's folder, checks every image against the manifest shipped with the app (path,
bytes, sha256), and imports the images with the fLoc map. --url: a mirror or a local copy of the same
archive (tar, tar.gz or zip). --controls also makes phase-scrambled scenes and block-scrambled words.
Run it again to resume: images already verified are kept. A missing or differing file is named; the
others are imported. Exits 1 when some image failed.`;

const fetchFlocCommand: Command = {
  name: 'fetch-floc',
  summary: 'download the fLoc set, verify it against the manifest and import it',
  usage: flocUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(argv, { url: { type: 'string' }, controls: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, flocUsage);
    if (values.help) return void process.stdout.write(`${flocUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('stimuli fetch-floc: expected PROJECT', flocUsage);
    const out = createOutput(values.json === true);
    const result = await client.call(
      'stimuli.fetchFloc',
      { path: positionals[0]!, ...(values.url !== undefined ? { url: values.url } : {}), ...(values.controls ? { controls: true } : {}) },
      { signal, onProgress: (p) => out.progress(p) },
    );
    out.endProgress();
    out.result(result, () =>
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
};

export const stimuliCommand = commandGroup('stimuli', 'import, list, check and scramble a project\'s stimuli', [importCommand, listCommand, checkCommand, scrambleCommand, fetchFlocCommand]);

const demoUsage = 'usage: unitscope demo-stimuli OUT_DIR [--seed N] [--per-category N] [--json]';
export const demoStimuliCommand: Command = {
  name: 'demo-stimuli',
  summary: 'write the procedural demo localizer set (faces, bodies, scenes, words + scrambled) to a folder',
  usage: demoUsage,
  async run(argv, { client, signal }) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { seed: { type: 'string' }, 'per-category': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      demoUsage,
    );
    if (values.help) return void process.stdout.write(`${demoUsage}\n`);
    if (positionals.length !== 1) throw new UsageError('demo-stimuli: expected one OUT_DIR', demoUsage);
    const seed = parseNumberOption(values.seed, 'seed', demoUsage);
    const perCategory = parseNumberOption(values['per-category'], 'per-category', demoUsage);
    const out = createOutput(values.json === true);
    const result = await client.call(
      'stimuli.demo',
      { outDir: positionals[0]!, ...(seed !== undefined ? { seed } : {}), ...(perCategory !== undefined ? { perCategory } : {}) },
      { signal, onProgress: (p) => out.progress(p) },
    );
    out.endProgress();
    out.result(result, () => [`wrote the demo set to ${result.outDir} (seed ${result.seed})`, ...result.categories.map((c) => `  ${c.name.padEnd(18)} ${c.files}  ${c.role}${c.controlsFor ? ` for ${c.controlsFor}` : ''}`)].join('\n'));
  },
};
