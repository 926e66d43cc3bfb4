// Per-image responses of each layer's bootstrap unit subset, kept while a study's run extracts, so the
// study's image bootstrap (run-bootstrap.ts) reads them instead of running the model over every image a
// second time to gather them. The rows go to one float32 file per layer in a private temporary
// directory (ResNet-50 on fLoc: ~0.6 GB, more than the memory budget gives the bootstrap), in the order
// the images arrive; nothing is kept in the project, and the directory goes when the spool is removed.
// A spool is only used whole: a layer that did not receive every image (an extraction resumed from a
// checkpoint, or the fused float32 path, which never exposes the taps) is gathered as before, and so is
// every layer when the temporary directory cannot be made or a write fails (a full disk). A process killed
// during a study leaves its directory; the next spool made on the machine removes it.
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { TapRowSink, TapShape } from '../pipeline-types.ts';
import type { UnitSubset } from '../stats/unit-subset.ts';

/** Spool directories are named unitscope-rows-PID-XXXXXX: the process that owns one is in its name. */
const PREFIX = 'unitscope-rows-';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the spools of processes that died before removing theirs (killed during a study). */
export function removeOrphanSpools(dir = tmpdir()): void {
  for (const entry of readdirSync(dir)) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(entry)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

export class RowSpool implements TapRowSink {
  /** The private directory of the files (removed with the spool). */
  readonly dir: string;
  /** Each layer's file, opened on its first row. */
  private readonly files: (number | null)[];
  /** Image id -> its row in every layer's file (arrival order). */
  private readonly slots = new Map<number, number>();
  private readonly rowsTaken: number[];
  private readonly scratch: Float32Array[];
  private removed = false;
  /**
   * Why the spool stopped keeping rows (a full disk, say), or null. The spool is an economy, never a
   * reason for a run to fail: after a failure it keeps nothing and the bootstrap gathers as before.
   */
  failure: string | null = null;

  /** `key` names the bootstrap settings the subsets were drawn with; a bootstrap with other settings ignores the spool. */
  constructor(
    readonly key: string,
    readonly taps: readonly TapShape[],
    readonly subsets: readonly UnitSubset[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    this.files = subsets.map(() => null);
    this.rowsTaken = subsets.map(() => 0);
    this.scratch = subsets.map((s) => new Float32Array(s.units.length));
  }

  /**
   * A spool, or undefined when its temporary directory cannot be made (the bootstrap then gathers). The
   * spools dead processes left behind go first.
   */
  static open(key: string, taps: readonly TapShape[], subsets: readonly UnitSubset[]): RowSpool | undefined {
    try {
      removeOrphanSpools();
    } catch {
      // A temporary folder that cannot be listed keeps its orphans; the spool may still be made.
    }
    try {
      return new RowSpool(key, taps, subsets);
    } catch {
      return undefined;
    }
  }

  private file(layer: number): string {
    return join(this.dir, `layer-${layer}.f32`);
  }

  /** Keeps the subset's units of one image's tap output (called by extraction, once per layer and image). */
  take(layer: number, imageId: number, values: Float32Array): void {
    const subset = this.subsets[layer];
    if (!subset || this.removed) return;
    let slot = this.slots.get(imageId);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(imageId, slot);
    }
    const row = this.scratch[layer]!;
    const units = subset.units;
    for (let j = 0; j < units.length; j++) row[j] = values[units[j]!]!;
    try {
      const fd = (this.files[layer] ??= openSync(this.file(layer), 'w+'));
      writeSync(fd, row, 0, row.byteLength, slot * row.byteLength);
    } catch (error) {
      this.failure = `${this.file(layer)}: ${(error as Error).message}`;
      this.remove();
      return;
    }
    this.rowsTaken[layer]!++;
  }

  /** Whether layer `layer` holds a row for each of `imageIds` (and no others). */
  has(layer: number, imageIds: readonly number[]): boolean {
    return !this.removed && this.rowsTaken[layer] === imageIds.length && this.slots.size === imageIds.length && imageIds.every((id) => this.slots.has(id));
  }

  /** Layer `layer`'s rows, images x subset units, in the order of `imageIds` (check `has` first). */
  read(layer: number, imageIds: readonly number[]): Float32Array {
    if (!this.has(layer, imageIds)) throw new EngineError('internal', `the row spool does not hold every image of layer ${this.taps[layer]?.name ?? layer}`);
    const width = this.subsets[layer]!.units.length;
    const stored = new Float32Array(imageIds.length * width);
    const bytes = new Uint8Array(stored.buffer);
    let at = 0;
    while (at < bytes.byteLength) {
      const n = readSync(this.files[layer]!, bytes, at, bytes.byteLength - at, at);
      if (n === 0) throw new EngineError('internal', `the row spool of layer ${this.taps[layer]!.name} is short`);
      at += n;
    }
    const out = new Float32Array(imageIds.length * width);
    imageIds.forEach((id, i) => {
      const slot = this.slots.get(id)!;
      out.set(stored.subarray(slot * width, (slot + 1) * width), i * width);
    });
    return out;
  }

  /** Closes and deletes the files (idempotent). */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const fd of this.files) if (fd !== null) closeSync(fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
