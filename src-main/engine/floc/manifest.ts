// The fLoc stimulus manifest shipped in resources/floc: one row per image of the fLoc repository at the
// pinned commit (path, bytes, sha256; facts about the files, never the images, which have no licence to
// redistribute). Every path is checked to be a plain `stimuli/<subcategory>/<file>` so that a manifest
// row can be turned into a file name inside the project without any way out of it.
import { readFileSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import { findResource } from '../resources.ts';

export const FLOC_COMMIT = 'de6a26cc269a2c7075461a4c839bfd628f225c95';
export const FLOC_ARCHIVE_URL = `https://codeload.github.com/VPNL/fLoc/tar.gz/${FLOC_COMMIT}`;
export const FLOC_MANIFEST_FILE = 'floc-de6a26c-manifest.tsv';

export interface FlocFile {
  /** `stimuli/adult/adult-1.jpg`, as in the repository. */
  path: string;
  bytes: number;
  sha256: string;
}

const SAFE_PATH = /^stimuli\/[A-Za-z0-9_-]+\/[A-Za-z0-9_.-]+$/;

export function parseFlocManifest(text: string, source: string): FlocFile[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()?.split('\t') ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new EngineError('bad_input', `${source}: the manifest has no '${name}' column`, { file: source });
    return i;
  };
  const [pathCol, bytesCol, shaCol] = [col('path'), col('bytes'), col('sha256')];
  const seen = new Set<string>();
  return lines.map((line, i) => {
    const cells = line.split('\t');
    const path = cells[pathCol] ?? '';
    const bytes = Number(cells[bytesCol]);
    const sha256 = (cells[shaCol] ?? '').toLowerCase();
    if (!SAFE_PATH.test(path) || path.split('/').some((p) => p === '.' || p === '..') || seen.has(path)) {
      throw new EngineError('bad_input', `${source}: line ${i + 2}: '${path}' is not a unique stimuli/<folder>/<file> path`, { file: source });
    }
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new EngineError('bad_input', `${source}: line ${i + 2}: bytes and sha256 are malformed`, { file: source });
    }
    seen.add(path);
    return { path, bytes, sha256 };
  });
}

export function loadFlocManifest(file = findResource('floc', FLOC_MANIFEST_FILE)): FlocFile[] {
  return parseFlocManifest(readFileSync(file, 'utf8'), file);
}
