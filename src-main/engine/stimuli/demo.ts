// The demo localizer set: licence-free, procedural and deterministic for a seed. Intact categories are
// drawn as SVG (demo-shapes.ts, demo-letters.ts) and rasterised by sharp at 224 px; the scrambled
// controls are made from them by the project's own scramblers (phase for scenes, 8 x 8 blocks for words),
// seeded exactly as `stimuli scramble` seeds them, so both routes give the same bytes.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Progress } from '../../contract/protocol.ts';
import type { CategoryRole, DemoStimuliResult, StimulusImportResult } from '../../contract/types.ts';
import { EngineError } from '../errors.ts';
import type { Project } from '../project.ts';
import { listCategories } from '../storage/stimuli-store.ts';
import { createRng, deriveSeed, type Rng } from '../random.ts';
import { decodeRgbBuffer, encodePng, type RgbImage } from './decode.ts';
import { wordSvg } from './demo-letters.ts';
import { bodySvg, faceSvg, sceneSvg } from './demo-shapes.ts';
import { importCandidates } from './import.ts';
import { blockScramble, phaseScramble } from './scramble.ts';
import { scrambleCategory } from './scramble-category.ts';
import type { Candidate } from './sources.ts';
import { writeNewFile } from '../owned-files.ts';

const ELSEWHERE = 'write the demo set into a new or empty folder';

export const DEMO_IMAGE_SIZE = 224;
export const DEMO_PER_CATEGORY = 24;
export const DEMO_WORD_GRID = 8;

type Draw = (size: number, rng: Rng, index: number) => string;

const INTACT: { name: string; draw: Draw }[] = [
  { name: 'faces', draw: faceSvg },
  { name: 'bodies', draw: bodySvg },
  { name: 'scenes', draw: sceneSvg },
  { name: 'words', draw: wordSvg },
];

export const DEMO_CATEGORIES: readonly { name: string; role: CategoryRole; controlsFor: string | null }[] = [
  { name: 'faces', role: 'target', controlsFor: null },
  { name: 'bodies', role: 'target', controlsFor: null },
  { name: 'scenes', role: 'target', controlsFor: null },
  { name: 'words', role: 'target', controlsFor: null },
  { name: 'scrambled_scenes', role: 'control', controlsFor: 'scenes' },
  { name: 'scrambled_words', role: 'control', controlsFor: 'words' },
];

export interface DemoOptions {
  perCategory?: number;
  progress?: (progress: Progress) => void;
}

function checkCount(perCategory: number): void {
  if (!Number.isInteger(perCategory) || perCategory < 1) throw new EngineError('validation', `perCategory must be a positive integer, got ${perCategory}`);
}

/** Writes the four intact categories as PNG files (name/name-NN.png); returns the files per category. */
async function writeIntact(outDir: string, seed: number, perCategory: number, progress?: (p: Progress) => void): Promise<Map<string, string[]>> {
  const files = new Map<string, string[]>();
  const total = INTACT.length * perCategory;
  let done = 0;
  for (const category of INTACT) {
    const folder = join(outDir, category.name);
    await mkdir(folder, { recursive: true });
    const list: string[] = [];
    for (let i = 0; i < perCategory; i++) {
      // One stream per image, so image i does not depend on how many images come before it.
      const rng = createRng(deriveSeed(seed, `${category.name}/${i}`));
      const png = await sharp(Buffer.from(category.draw(DEMO_IMAGE_SIZE, rng, i)))
        .flatten({ background: '#ffffff' })
        .removeAlpha()
        .png({ compressionLevel: 6, adaptiveFiltering: false })
        .toBuffer();
      const file = join(folder, `${category.name}-${String(i + 1).padStart(2, '0')}.png`);
      await writeNewFile(file, png, ELSEWHERE);
      list.push(file);
      progress?.({ phase: 'drawing', done: ++done, total, unit: 'images' });
    }
    files.set(category.name, list);
  }
  return files;
}

/** Writes the whole demo set (six categories) into `outDir`, one folder per category. */
export async function createDemoStimulusSet(outDir: string, seed: number, options: DemoOptions = {}): Promise<DemoStimuliResult> {
  const perCategory = options.perCategory ?? DEMO_PER_CATEGORY;
  checkCount(perCategory);
  const root = resolve(outDir);
  const intact = await writeIntact(root, seed, perCategory, options.progress);
  const scrambled: [string, string, (image: RgbImage, rng: Rng) => RgbImage][] = [
    ['scrambled_scenes', 'scenes', (image, rng) => phaseScramble(image, 'channels', rng)],
    ['scrambled_words', 'words', (image, rng) => blockScramble(image, DEMO_WORD_GRID, rng)],
  ];
  for (const [name, from, scramble] of scrambled) {
    await mkdir(join(root, name), { recursive: true });
    for (const file of intact.get(from)!) {
      const bytes = await readFile(file);
      const rng = createRng(deriveSeed(seed, createHash('sha256').update(bytes).digest('hex')));
      const out = await encodePng(scramble(await decodeRgbBuffer(bytes), rng));
      await writeNewFile(join(root, name, basename(file)), out, ELSEWHERE);
    }
  }
  return {
    outDir: root,
    seed,
    categories: DEMO_CATEGORIES.map((c) => ({ ...c, files: perCategory })),
  };
}

/**
 * Fills a project with the demo set: the intact categories are drawn into the project's files folder
 * (stimuli/<category>/) and imported as generated targets, then scrambled_scenes (phase) and
 * scrambled_words (8 x 8 blocks) are made by `scrambleCategory` and registered as their controls.
 */
export async function importDemoStimuli(project: Project, seed: number, options: DemoOptions = {}): Promise<StimulusImportResult> {
  const perCategory = options.perCategory ?? DEMO_PER_CATEGORY;
  checkCount(perCategory);
  const root = join(project.filesDir, 'stimuli');
  const intact = await writeIntact(root, seed, perCategory, options.progress);
  const candidates: Candidate[] = INTACT.flatMap((c) => intact.get(c.name)!.map((file) => ({ absolutePath: file, category: c.name, subcategory: null })));
  const result = await importCandidates(project, {
    layout: 'folders',
    source: root,
    candidates,
    problems: [],
    roles: new Map(INTACT.map((c) => [c.name, { role: 'target' as const, controlsFor: null }])),
    storage: 'generated',
    missingUnder: null,
  });
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new EngineError('internal', `demo stimuli failed to import: ${errors.map((p) => `${p.file}: ${p.reason}`).join('; ')}`);
  const scenes = await scrambleCategory(project, { from: 'scenes', as: 'scrambled_scenes', method: 'phase', seed, phaseMode: 'channels' });
  const words = await scrambleCategory(project, { from: 'words', as: 'scrambled_words', method: 'block', grid: DEMO_WORD_GRID, seed });
  const categories = listCategories(project.db);
  return { ...result, imported: result.imported + scenes.images + words.images, added: result.added + scenes.images + words.images, problems: [], categories };
}
