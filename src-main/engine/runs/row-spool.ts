// Per-image responses of each layer's bootstrap unit subset, kept while a study's run extracts, so the
// study's image bootstrap (run-bootstrap.ts) reads them instead of running the model over every image a
// second time to gather them. The rows go to one float32 file per layer in a private temporary
// directory (ResNet-50 on fLoc: ~0.6 GB, more than the memory budget gives the bootstrap), in the order
// the images arrive; nothing is kept in the project, and the directory goes when the spool is removed.
// A spool is only used whole: a layer that did not receive every image (an extraction resumed from a
// checkpoint, or the fused float32 path, which never exposes the taps) is gathered as before.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { TapRowSink, TapShape } from '../pipeline-types.ts';
import type { UnitSubset } from '../stats/unit-subset.ts';

export class RowSpool implements TapRowSink {
  /** The private directory of the files (removed with the spool). */
  readonly dir: string;
  private readonly files: number[];
  /** Image id -> its row in every layer's file (arrival order). */
  private readonly slots = new Map<number, number>();
  private readonly rowsTaken: number[];
  private readonly scratch: Float32Array[];
  private removed = false;

  /** `key` names the bootstrap settings the subsets were drawn with; a bootstrap with other settings ignores the spool. */
  constructor(
    readonly key: string,
    readonly taps: readonly TapShape[],
    readonly subsets: readonly UnitSubset[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'unitscope-rows-'));
    this.files = subsets.map((_, l) => openSync(join(this.dir, `layer-${l}.f32`), 'w+'));
    this.rowsTaken = subsets.map(() => 0);
    this.scratch = subsets.map((s) => new Float32Array(s.units.length));
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
    writeSync(this.files[layer]!, row, 0, row.byteLength, slot * row.byteLength);
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
    for (const fd of this.files) closeSync(fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
