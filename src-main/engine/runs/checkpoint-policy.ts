// When an extraction writes a checkpoint: by cost, not by count. Every checkpoint rewrites the whole
// float64 statistics (~530 MB for ResNet-50's 16 blocks), which at a fixed 5 % of the images took more of
// `run`'s image loop than the network did. A checkpoint is due once at least `minImages` images were
// merged since the last one and the loop ran at least 1 / maxShare times as long as a write is expected
// to take, so checkpoints cost at most maxShare of the loop's time. The expected cost is the last write's,
// measured on this clock; before the first write, the bytes at a conservative disk rate. A write expected
// to take under 50 ms is always worth it (with the count floor, at most ~1 s a run), so small models keep
// the count floor's checkpoints every 5 % of the images, as before; costly ones spread out.

/** Milliseconds on a monotonic clock; injectable so tests can play out costly writes without timing anything. */
export type Clock = () => number;

export interface CheckpointPolicyOptions {
  /** Never fewer images than this between checkpoints (at least one merge group). */
  minImages: number;
  /** Bytes one checkpoint writes, for the cost expected before any write was measured. */
  bytes: number;
  /** The largest share of the loop's time checkpoints may take (default 5 %); null: by count alone. */
  maxShare?: number | null;
  clock?: Clock;
}

/** A conservative rate for the first write, before one was measured (SQLite in WAL mode writes each page twice). */
const FIRST_WRITE_BYTES_PER_MS = 100_000;
const DEFAULT_MAX_SHARE = 0.05;
/** Writes expected to take less than this are never put off: the floor of at most ~20 per run bounds them. */
const NEGLIGIBLE_WRITE_MS = 50;

export class CheckpointPolicy {
  private readonly clock: Clock;
  private readonly maxShare: number | null;
  private expectedWriteMs: number;
  private since: number;
  private images = 0;

  constructor(private readonly options: CheckpointPolicyOptions) {
    this.clock = options.clock ?? (() => performance.now());
    this.maxShare = options.maxShare === undefined ? DEFAULT_MAX_SHARE : options.maxShare;
    this.expectedWriteMs = options.bytes / FIRST_WRITE_BYTES_PER_MS;
    this.since = this.clock();
  }

  /** Counts `images` merged; true when a checkpoint should be written now. */
  merged(images: number): boolean {
    this.images += images;
    if (this.images < this.options.minImages) return false;
    if (this.maxShare === null || this.expectedWriteMs < NEGLIGIBLE_WRITE_MS) return true;
    return (this.clock() - this.since) * this.maxShare >= this.expectedWriteMs;
  }

  /** Runs `write` as the checkpoint, measuring it; the next one is due relative to its end. */
  async write(write: () => Promise<void> | void): Promise<void> {
    const start = this.clock();
    await write();
    const end = this.clock();
    this.expectedWriteMs = end - start;
    this.since = end;
    this.images = 0;
  }
}
