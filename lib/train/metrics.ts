/**
 * Number of rows of `logits` ([rows, classes], row-major) whose label is among the `k`
 * largest logits. Ties count against the label (a label tied with the k-th value is counted
 * only if fewer than k logits are strictly larger), so a constant output scores 0 for k < classes.
 */
export function topKCorrect(logits: Float32Array | Float64Array, labels: Int32Array, classes: number, k: number): number {
  const rows = labels.length;
  if (logits.length !== rows * classes) {
    throw new RangeError(`topKCorrect: logits has ${logits.length} elements, expected ${rows} x ${classes}`);
  }
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const label = labels[r];
    if (label < 0 || label >= classes) throw new RangeError(`topKCorrect: label ${label} at row ${r} outside [0, ${classes})`);
    const target = logits[base + label];
    let above = 0;
    for (let j = 0; j < classes; j++) {
      const v = logits[base + j];
      if (v > target || (v === target && j < label)) above++;
    }
    if (above < k) correct++;
  }
  return correct;
}

/** Running sums of loss and top-1/top-5 hits over an epoch. */
export class EpochMeter {
  private lossSum = 0;
  private top1Hits = 0;
  private top5Hits = 0;
  /** Samples seen so far. */
  samples = 0;

  /** Adds one batch: `meanLoss` is the batch's mean loss. */
  add(meanLoss: number, logits: Float32Array, labels: Int32Array, classes: number): void {
    const n = labels.length;
    this.lossSum += meanLoss * n;
    this.top1Hits += topKCorrect(logits, labels, classes, 1);
    this.top5Hits += topKCorrect(logits, labels, classes, Math.min(5, classes));
    this.samples += n;
  }

  /** Mean loss per sample. */
  get loss(): number {
    return this.samples ? this.lossSum / this.samples : NaN;
  }

  /** Top-1 accuracy in [0, 1]. */
  get top1(): number {
    return this.samples ? this.top1Hits / this.samples : NaN;
  }

  /** Top-5 accuracy in [0, 1] (top-k with k = classes when there are fewer than 5 classes). */
  get top5(): number {
    return this.samples ? this.top5Hits / this.samples : NaN;
  }
}
