// Native softmax, logSoftmax and fused softmax cross-entropy against float64 loops on
// every ISA path: odd row/column counts, large logits, -inf entries, aliasing.
import { addon, expectClose, expectThrows, onEveryIsa, randomArray, randomInt } from './kernel-check';

function reference(x: Float32Array, rows: number, cols: number) {
  const p = new Float64Array(rows * cols), lp = new Float64Array(rows * cols), lse = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    lse[r] = m + Math.log(s);
    for (let j = 0; j < cols; j++) {
      p[r * cols + j] = Math.exp(x[r * cols + j] - m) / s;
      lp[r * cols + j] = x[r * cols + j] - lse[r];
    }
  }
  return { p, lp, lse };
}

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 10, 3], [3, 7, 3], [128, 10, 5], [5, 1009, 20], [300, 200, 1], [2, 37, 60],
];

describe.each(shapes)('rows %d cols %d, logits scale %d', (rows, cols, scale) => {
  const x = randomArray(rows * cols, -scale, scale);
  if (cols > 3) x[1] = -Infinity; // an impossible class
  const labels = new Int32Array(rows).map(() => randomInt(cols));
  if (cols > 3) labels[0] = 2;
  const { p, lp, lse } = reference(x, rows, cols);
  const loss = Array.from(labels, (l, r) => lse[r] - x[r * cols + l]);
  const lossScale = Array.from(labels, (l, r) => Math.abs(lse[r]) + Math.abs(x[r * cols + l]));

  test('softmax, logSoftmax, softmaxCrossEntropy', () => {
    onEveryIsa((isa) => {
      const out = new Float32Array(rows * cols).fill(NaN);
      addon.softmax(x, rows, cols, out);
      expectClose(`${isa} softmax`, out, p, { rtol: 2e-6, atol: 1e-9 });
      const alias = x.slice();
      addon.softmax(alias, rows, cols, alias);
      expectClose(`${isa} softmax in place`, alias, out, { rtol: 0, atol: 0 });
      addon.logSoftmax(x, rows, cols, out);
      const lpScale = Array.from(lp, (v, i) => Math.abs(x[i]) + Math.abs(lse[Math.floor(i / cols)]));
      expectClose(`${isa} logSoftmax`, out, lp, { rtol: 1e-6, scale: lpScale });
      const lossOut = new Float32Array(rows).fill(NaN), probs = new Float32Array(rows * cols).fill(NaN);
      addon.softmaxCrossEntropy(x, rows, cols, labels, lossOut, probs);
      expectClose(`${isa} cross-entropy loss`, lossOut, loss, { rtol: 1e-6, scale: lossScale });
      expectClose(`${isa} cross-entropy probs`, probs, p, { rtol: 2e-6, atol: 1e-9 });
      addon.softmaxCrossEntropy(x, rows, cols, labels, lossOut, null);
      expectClose(`${isa} cross-entropy without probs`, lossOut, loss, { rtol: 1e-6, scale: lossScale });
    });
  });
});

describe('loss bad input', () => {
  test('named errors, process alive', () => {
    const x = randomArray(12), out = new Float32Array(12), labels = new Int32Array([0, 3, 1]), loss = new Float32Array(3);
    expectThrows(() => addon.softmax(x, 3, 4), 'TypeError', 'softmax', 'expected 4 arguments');
    expectThrows(() => addon.softmax(x, 3, 5, out), 'RangeError', 'softmax', "'x'");
    expectThrows(() => addon.logSoftmax(x, 3, 0, out), 'RangeError', 'logSoftmax', "'cols'");
    expectThrows(() => addon.logSoftmax(x, 3, 4, new Float64Array(12)), 'TypeError', "'out'");
    expectThrows(() => addon.softmaxCrossEntropy(x, 3, 4, new Int32Array([0, 4, 1]), loss, out), 'RangeError', 'softmaxCrossEntropy', "'labels'", 'row 1');
    expectThrows(() => addon.softmaxCrossEntropy(x, 3, 4, new Int32Array([0, -1, 1]), loss, out), 'RangeError', "'labels'");
    expectThrows(() => addon.softmaxCrossEntropy(x, 3, 4, new Float32Array(3), loss, out), 'TypeError', "'labels'");
    expectThrows(() => addon.softmaxCrossEntropy(x, 3, 4, labels, new Float32Array(2), out), 'RangeError', "'lossPerRow'");
    expectThrows(() => addon.softmaxCrossEntropy(x, 3, 4, labels.subarray(1), loss, out), 'RangeError', "'labels'");
    addon.softmaxCrossEntropy(x, 3, 4, labels, loss, out);
    expect(loss.every((v) => v > 0)).toBe(true);
  });
});
