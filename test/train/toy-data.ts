import type { Batch, BatchSource } from '../../lib/train';

/**
 * A tiny, learnable classification task for tests: `n` samples of shape `shape`, values from
 * sin/cos of the index, labels = the argmax over `classes` fixed random projections. Batches
 * are shuffled per epoch with a seeded permutation, so epoch(e) is deterministic.
 */
export function toyTask(n: number, shape: number[], classes: number, batchSize: number): BatchSource {
  const d = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  const proj = Float32Array.from({ length: classes * d }, (_, i) => Math.sin(i * 12.9898 + 78.233));
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < d; j++) x[s * d + j] = Math.sin(s * 1.7 + j * 0.91) + 0.5 * Math.cos(s * 0.37 * (j + 1));
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += proj[c * d + j] * x[s * d + j];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    y[s] = best;
  }
  const numBatches = Math.ceil(n / batchSize);
  return {
    numBatches,
    *epoch(epoch: number): Iterable<Batch> {
      const order = Array.from({ length: n }, (_, i) => i);
      let state = (epoch + 1) * 2654435761;
      for (let i = n - 1; i > 0; i--) {
        state = (state * 1103515245 + 12345) % 2147483648;
        const j = state % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let b = 0; b < numBatches; b++) {
        const idx = order.slice(b * batchSize, (b + 1) * batchSize);
        const bx = new Float32Array(idx.length * d);
        const by = new Int32Array(idx.length);
        idx.forEach((s, k) => {
          bx.set(x.subarray(s * d, (s + 1) * d), k * d);
          by[k] = y[s];
        });
        yield { x: bx, y: by, batchShape: [idx.length, ...shape] };
      }
    },
  };
}
