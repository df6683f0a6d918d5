import type { HostArray } from '../backend';

// Module constants, not Math.x / Infinity in the loops: under a vm context (jest) every
// global lookup is a slow property access on the context's global object.
const { exp, log } = Math;
const NEG_INF = -Infinity;

/** Reference row softmax of x [rows, cols], max-shifted for stability. */
export function softmax(x: HostArray, rows: number, cols: number, out: HostArray): void {
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    let m = NEG_INF;
    for (let j = 0; j < cols; j++) if (x[b + j] > m) m = x[b + j];
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = exp(x[b + j] - m);
      out[b + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) out[b + j] *= inv;
  }
}

/** Reference row log-softmax: x - max - log(sum exp(x - max)). */
export function logSoftmax(x: HostArray, rows: number, cols: number, out: HostArray): void {
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    let m = NEG_INF;
    for (let j = 0; j < cols; j++) if (x[b + j] > m) m = x[b + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += exp(x[b + j] - m);
    const lse = m + log(s);
    for (let j = 0; j < cols; j++) out[b + j] = x[b + j] - lse;
  }
}

function checkLabel(fn: string, label: number, r: number, cols: number): void {
  if (!(label >= 0 && label < cols)) {
    throw new RangeError(`${fn}: label ${label} of row ${r} is outside [0, ${cols})`);
  }
}

/** Reference fused softmax cross-entropy: per-row loss and the softmax saved for the backward. */
export function softmaxCrossEntropy(
  logits: HostArray,
  rows: number,
  cols: number,
  labels: Int32Array,
  lossPerRow: HostArray,
  probs: HostArray,
): void {
  for (let r = 0; r < rows; r++) checkLabel('softmaxCrossEntropy', labels[r], r, cols);
  softmax(logits, rows, cols, probs);
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    let m = NEG_INF;
    for (let j = 0; j < cols; j++) if (logits[b + j] > m) m = logits[b + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += exp(logits[b + j] - m);
    lossPerRow[r] = m + log(s) - logits[b + labels[r]];
  }
}

/** Reference out[r] = x[r, labels[r]]. */
export function pickRows(x: HostArray, rows: number, cols: number, labels: Int32Array, out: HostArray): void {
  for (let r = 0; r < rows; r++) {
    checkLabel('pickRows', labels[r], r, cols);
    out[r] = x[r * cols + labels[r]];
  }
}

/** Reference out = zeros [rows, cols] with out[r, labels[r]] = values[r]. */
export function scatterRows(values: HostArray, rows: number, cols: number, labels: Int32Array, out: HostArray): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    checkLabel('scatterRows', labels[r], r, cols);
    out[r * cols + labels[r]] = values[r];
  }
}
