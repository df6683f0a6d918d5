/** One mini-batch: images NCHW (or [n, features]) and integer class labels. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  /** Shape of x, batch first, e.g. [128, 3, 32, 32]. */
  batchShape: readonly number[];
}

/**
 * Where a training loop gets its batches (a `DataLoader` of lib/data is one). `epoch(e)` must
 * give the same batches for the same epoch (seeded shuffling and augmentation), which makes a
 * resumed run continue identically. A batch's arrays may be reused by the next batch.
 */
export interface BatchSource {
  epoch(epoch: number): Iterable<Batch> | AsyncIterable<Batch>;
  /** Batches per epoch, if known (for warm-up schedules and progress). */
  readonly numBatches?: number;
}

/** Checks that a batch is self-consistent; throws a RangeError naming the problem. */
export function checkBatch(b: Batch, where: string): void {
  const n = b.batchShape[0];
  const size = b.batchShape.reduce((a, d) => a * d, 1);
  if (b.x.length !== size) throw new RangeError(`${where}: batch x has ${b.x.length} values, batchShape [${b.batchShape}] needs ${size}`);
  if (b.y.length !== n) throw new RangeError(`${where}: batch has ${b.y.length} labels for ${n} samples`);
}
