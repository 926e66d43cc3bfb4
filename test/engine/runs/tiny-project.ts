// Builds a small real project for run tests: the generated tiny CNN (64 px, 4 taps) and seeded random
// PNG images in three categories (two targets and a control), each category with its own mean colour
// so that selective units exist. Usable from tests and as a script for the crash test's child processes:
//   node --import tsx test/engine/runs/tiny-project.ts OUT.unitscope [imagesPerCategory] [seed]
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import sharp from 'sharp';
import { presetPreprocessing } from '../../../src-main/contract/preprocessing.ts';
import { loadModel, resolveTaps } from '../../../src-main/engine/inference/model-graph.ts';
import { generate } from '../../../src-main/engine/onnx/generators/index.ts';
import { encodeModel } from '../../../src-main/engine/onnx/proto.ts';
import { TINY_INPUT_SIZE } from '../../../src-main/engine/onnx/generators/tiny.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';
import { Project } from '../../../src-main/engine/project.ts';
import { ensureCategory, insertImage } from '../../../src-main/engine/storage/stimuli-store.ts';

export const TINY_CATEGORIES = [
  { name: 'faces', role: 'target', controlsFor: null, colour: [200, 80, 60] },
  { name: 'scenes', role: 'target', controlsFor: null, colour: [60, 160, 90] },
  { name: 'scrambled_scenes', role: 'control', controlsFor: 'scenes', colour: [110, 110, 110] },
] as const;

export async function makeTinyProject(path: string, imagesPerCategory = 8, seed = 1): Promise<void> {
  const project = Project.create(path, 'tiny');
  try {
    const dir = project.filesDir;
    mkdirSync(join(dir, 'images'), { recursive: true });
    const modelPath = join(dir, 'tiny.onnx');
    const bytes = encodeModel(generate('tiny', seed));
    writeFileSync(modelPath, bytes);
    const taps = await resolveTaps(loadModel(modelPath), 'auto');
    const rng = new SeededRandom(seed + 1000);
    const size = TINY_INPUT_SIZE;
    const files: { category: number; file: string; sha256: string; bytes: number }[] = [];
    for (const [k, c] of TINY_CATEGORIES.entries()) {
      for (let i = 0; i < imagesPerCategory; i++) {
        const pixels = Buffer.alloc(size * size * 3);
        for (let p = 0; p < size * size; p++) {
          for (let ch = 0; ch < 3; ch++) pixels[p * 3 + ch] = Math.max(0, Math.min(255, Math.round(c.colour[ch]! + (rng.uniform() - 0.5) * 120)));
        }
        const file = join(dir, 'images', `${c.name}-${i}.png`);
        const png = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
        writeFileSync(file, png);
        files.push({ category: k, file, sha256: createHash('sha256').update(png).digest('hex'), bytes: png.length });
      }
    }
    const db = project.db;
    const base = dirname(project.path);
    db.transaction(() => {
      const ids = TINY_CATEGORIES.map((c) => ensureCategory(db, c.name, c.role, c.controlsFor));
      for (const f of files) {
        insertImage(db, base, { categoryId: ids[f.category]!, subcategory: null, absolutePath: f.file, storage: 'generated', sha256: f.sha256, bytes: f.bytes, width: size, height: size, channels: 3, format: 'png' });
      }
      const model = db
        .prepare(
          `INSERT INTO models (name, path, storage, sha256, bytes, source, preprocessing, input_name, output_kind, added_at)
           VALUES ('tiny', ?, 'generated', ?, ?, 'generated tiny seed ${seed}', ?, 'input', 'classifier', ?)`,
        )
        .run(relative(base, modelPath), createHash('sha256').update(bytes).digest('hex'), bytes.length, JSON.stringify(presetPreprocessing('none', [size, size])), new Date().toISOString());
      const insertTap = db.prepare('INSERT INTO taps (model_id, position, name, tensor, channels, height, width) VALUES (?, ?, ?, ?, ?, ?, ?)');
      taps.forEach((t, i) => insertTap.run(model.lastInsertRowid, i, t.name, t.tensor, t.channels, t.height, t.width));
    })();
  } finally {
    project.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [out, n, seed] = process.argv.slice(2);
  if (!out) throw new Error('usage: tiny-project.ts OUT.unitscope [imagesPerCategory] [seed]');
  await makeTinyProject(out, n ? Number(n) : 8, seed ? Number(seed) : 1);
}
