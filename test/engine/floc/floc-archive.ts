// A small archive in the fLoc repository's layout (fLoc-<commit>/stimuli/<sub>/<sub>-N.jpg beside code
// and docs), made the way GitHub serves it (tar.gz, one root folder), with a manifest of its images in
// the shipped manifest's format. Options corrupt one file or leave one out after the manifest was made.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import sharp from 'sharp';
import { c as createTar } from 'tar';
import { FLOC_COMMIT } from '../../../src-main/engine/floc/manifest.ts';
import { SeededRandom } from '../../../src-main/engine/onnx/random.ts';

export const SUBCATEGORIES = ['adult', 'child', 'body', 'corridor', 'house', 'word', 'number'];
export const PER_SUBCATEGORY = 3;

export interface FlocArchive {
  archive: string;
  manifest: string;
  paths: string[];
  /** The unpacked tree (fLoc-<commit>/...), for making other containers of it. */
  tree: string;
}

/** The same tree as GitHub's "Download ZIP" gives it (one root folder); `symlink` adds a Unix link entry. */
export function zipFlocTree(tree: string, out: string, symlink?: string): string {
  const root = `fLoc-${FLOC_COMMIT}`;
  const entries: Zippable = {};
  const add = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) add(full, `${rel}${name}/`);
      else entries[`${rel}${name}`] = readFileSync(full);
    }
  };
  add(tree, `${root}/`);
  if (symlink) entries[`${root}/${symlink}`] = [Buffer.from('/etc/hostname'), { os: 3, attrs: (0o120777 << 16) >>> 0 }];
  writeFileSync(out, zipSync(entries));
  return out;
}

export async function makeFlocArchive(dir: string, options: { corrupt?: string; omit?: string; symlink?: string } = {}): Promise<FlocArchive> {
  const root = `fLoc-${FLOC_COMMIT}`;
  const tree = join(dir, 'tree');
  const rng = new SeededRandom(17);
  const rows: string[] = ['path\tbytes\tsha256\tgit_blob_sha1'];
  const paths: string[] = [];
  for (const sub of SUBCATEGORIES) {
    mkdirSync(join(tree, root, 'stimuli', sub), { recursive: true });
    for (let i = 1; i <= PER_SUBCATEGORY; i++) {
      const pixels = Buffer.alloc(64 * 64 * 3);
      for (let p = 0; p < pixels.length; p++) pixels[p] = Math.floor(rng.uniform() * 256);
      const jpeg = await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
      const path = `stimuli/${sub}/${sub}-${i}.jpg`;
      writeFileSync(join(tree, root, path), jpeg);
      rows.push(`${path}\t${jpeg.length}\t${createHash('sha256').update(jpeg).digest('hex')}\t-`);
      paths.push(path);
    }
  }
  mkdirSync(join(tree, root, 'code'), { recursive: true });
  writeFileSync(join(tree, root, 'README.md'), '# fLoc\n');
  writeFileSync(join(tree, root, 'code', 'runme.m'), 'disp(1)\n');
  if (options.corrupt) {
    const file = join(tree, root, options.corrupt);
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff; // same size, different bytes
    writeFileSync(file, bytes);
  }
  if (options.omit) rmSync(join(tree, root, options.omit));
  if (options.symlink) {
    rmSync(join(tree, root, options.symlink));
    symlinkSync('/etc/hostname', join(tree, root, options.symlink));
  }
  const manifest = join(dir, 'manifest.tsv');
  writeFileSync(manifest, `${rows.join('\n')}\n`);
  const archive = join(dir, `${root}.tar.gz`);
  await createTar({ gzip: true, cwd: tree, file: archive, portable: true }, [root]);
  return { archive, manifest, paths, tree: join(tree, root) };
}
