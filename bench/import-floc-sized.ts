// import_fLoc_sized: 1,584 generated 1024 px grayscale JPEGs (fLoc's size: 11 subcategories x 144) imported
// into a fresh project with thumbnails. The images are generated once and cached under bench/.work/.
// Prints one JSON line; `value` is the seconds the import took.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Project } from '../src-main/engine/project.ts';
import { createRng } from '../src-main/engine/random.ts';
import { importStimuli } from '../src-main/engine/stimuli/import.ts';
import { FLOC_CATEGORY_MAP } from '../src-main/engine/stimuli/sources.ts';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  [key: string]: unknown;
}

const WORK = fileURLToPath(new URL('./.work/', import.meta.url));
export const SET = join(WORK, 'floc-sized');
const SIZE = 1024;
const PER_SUBCATEGORY = 144;
const SUBCATEGORIES = Object.keys(FLOC_CATEGORY_MAP);

/** A grayscale image with smooth structure and fine noise, so JPEG sizes resemble photographs. */
async function writeImage(file: string, seed: number): Promise<void> {
  const rng = createRng(seed);
  const pixels = Buffer.alloc(SIZE * SIZE);
  const fx = 0.005 + 0.03 * rng.next();
  const fy = 0.005 + 0.03 * rng.next();
  const phase = 6.28 * rng.next();
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = 128 + 70 * Math.sin(x * fx + phase) * Math.cos(y * fy) + 25 * (rng.next() - 0.5);
      pixels[y * SIZE + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 1 } }).jpeg({ quality: 85 }).toFile(file);
}

/** The set in fLoc's layout under bench/.work (made once): `perSubcategory` images of each of fLoc's 11 subcategories. */
export async function ensureImages(perSubcategory = PER_SUBCATEGORY, set = SET): Promise<number> {
  let count = 0;
  for (const [s, sub] of SUBCATEGORIES.entries()) {
    const folder = join(set, sub);
    mkdirSync(folder, { recursive: true });
    const have = new Set(readdirSync(folder));
    for (let i = 1; i <= perSubcategory; i++) {
      const name = `${sub}-${i}.jpg`;
      if (!have.has(name)) await writeImage(join(folder, name), s * 1000 + i);
      count++;
    }
  }
  return count;
}

export async function run(): Promise<BenchResult[]> {
  const images = await ensureImages();
  const path = join(WORK, 'import-floc-sized.unitscope');
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) rmSync(file);
  const project = Project.create(path);
  try {
    const started = performance.now();
    const result = await importStimuli(project, SET);
    const seconds = (performance.now() - started) / 1000;
    if (result.added !== images) throw new Error(`import_fLoc_sized: expected ${images} images, imported ${result.added}: ${JSON.stringify(result.problems.slice(0, 3))}`);
    return [{ name: 'import_fLoc_sized', value: Number(seconds.toFixed(2)), unit: 's', images_per_s: Number((images / seconds).toFixed(1)), images, layout: result.layout }];
  } finally {
    project.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const result of await run()) process.stdout.write(`${JSON.stringify(result)}\n`);
}
