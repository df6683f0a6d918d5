// Native batch norm (train forward with saved statistics, eval forward, backward) against
// float64 loops on every ISA path: [n, c] and NCHW views, odd sizes, a large offset with a
// small spread (catastrophic cancellation for naive variance), null gamma / beta; short
// rows (hw < 128) take the per-sample span path.
import { addon, expectClose, expectThrows, onEveryIsa, randomArray } from './kernel-check';

/**
 * Forward statistics and output from x in float64; the backward from the float32 mean and
 * invstd the kernel is handed (its inputs), so the oracle is exact for what it is asked.
 */
function reference(x: Float32Array, gy: Float32Array, n: number, c: number, hw: number, gamma: Float32Array | null, beta: Float32Array | null, eps: number) {
  const m = n * hw;
  const mean = new Float64Array(c), invstd = new Float64Array(c), out = new Float64Array(x.length);
  const gx = new Float64Array(x.length), gg = new Float64Array(c), gb = new Float64Array(c), gxScale = new Float64Array(x.length);
  // Float partial sums are exact to about eps x the sum of |terms|, not x the (cancelling) total.
  const gbScale = new Float64Array(c), ggScale = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const at = (b: number, i: number) => (b * c + ch) * hw + i;
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) s += x[at(b, i)];
    const mu = s / m;
    let v = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) v += (x[at(b, i)] - mu) ** 2;
    const is = 1 / Math.sqrt(v / m + eps);
    mean[ch] = mu;
    invstd[ch] = is;
    const g = gamma ? gamma[ch] : 1, be = beta ? beta[ch] : 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) out[at(b, i)] = (x[at(b, i)] - mu) * is * g + be;
    const muF = Math.fround(mu), isF = Math.fround(is);
    let sg = 0, sgx = 0;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < hw; i++) {
        sg += gy[at(b, i)];
        sgx += gy[at(b, i)] * (x[at(b, i)] - muF) * isF;
        gbScale[ch] += Math.abs(gy[at(b, i)]);
        ggScale[ch] += Math.abs(gy[at(b, i)] * (x[at(b, i)] - muF) * isF);
      }
    gg[ch] = sgx;
    gb[ch] = sg;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < hw; i++) {
        const xh = (x[at(b, i)] - muF) * isF;
        gx[at(b, i)] = g * isF * (gy[at(b, i)] - sg / m - xh * sgx / m);
        gxScale[at(b, i)] = Math.abs(g * isF) * (Math.abs(gy[at(b, i)]) + Math.abs(sg / m) + Math.abs(xh * sgx / m));
      }
  }
  return { mean, invstd, out, gx, gg, gb, gxScale, gbScale, ggScale };
}

const cases: [number, number, number, number, number][] = [
  // n, c, hw, offset, spread
  [1, 1, 7, 0, 1],
  [2, 3, 1, 0, 1],
  [7, 5, 13, 0, 2],
  [32, 16, 64, 0.5, 1],
  [3, 2, 5003, 0, 1],
  [13, 3, 17, 100, 0.01],
  [1, 4, 1, 0, 1],
  // Short rows on the span path: several 16-sample blocks, [n, c] input, one channel.
  [37, 1, 1, 0, 1],
  [41, 33, 1, -3, 1],
  [35, 3, 49, 20, 0.5],
];

describe.each(cases)('batch norm n %d c %d hw %d (offset %s, spread %s)', (n, c, hw, offset, spread) => {
  const x = randomArray(n * c * hw, offset - spread, offset + spread), gy = randomArray(n * c * hw);
  const gamma = randomArray(c, 0.5, 1.5), beta = randomArray(c), eps = 1e-5;
  const runMean = randomArray(c), runVar = randomArray(c, 0.5, 2);

  test.each([true, false])('with affine parameters: %s', (affine) => {
    const r = reference(x, gy, n, c, hw, affine ? gamma : null, affine ? beta : null, eps);
    onEveryIsa((isa) => {
      const out = new Float32Array(x.length).fill(NaN), mean = new Float32Array(c), invstd = new Float32Array(c);
      addon.batchNormTrainForward(x, n, c, hw, affine ? gamma : null, affine ? beta : null, eps, out, mean, invstd);
      expectClose(`${isa} mean`, mean, r.mean, { rtol: 1e-6, atol: 1e-7 });
      expectClose(`${isa} invstd`, invstd, r.invstd, { rtol: 1e-4 * (offset > 10 ? 10 : 1) });
      expectClose(`${isa} train out`, out, r.out, { rtol: 2e-5, atol: 2e-5 });
      const gx = new Float32Array(x.length).fill(NaN), gg = new Float32Array(c).fill(NaN), gb = new Float32Array(c).fill(NaN);
      addon.batchNormBackward(gy, x, n, c, hw, mean, invstd, affine ? gamma : null, gx, gg, gb);
      expectClose(`${isa} gx`, gx, r.gx, { rtol: 2e-4, scale: r.gxScale });
      expectClose(`${isa} gbeta`, gb, r.gb, { rtol: 1e-5, atol: 1e-5, scale: r.gbScale });
      expectClose(`${isa} ggamma`, gg, r.gg, { rtol: 2e-4, atol: 2e-4, scale: r.ggScale });
      addon.batchNormBackward(gy, x, n, c, hw, mean, invstd, affine ? gamma : null, gx, null, null);
      expectClose(`${isa} gx without parameter gradients`, gx, r.gx, { rtol: 2e-4, scale: r.gxScale });

      const evalOut = new Float32Array(x.length).fill(NaN);
      addon.batchNormEvalForward(x, n, c, hw, runMean, runVar, affine ? gamma : null, affine ? beta : null, eps, evalOut);
      const want = Array.from(x, (v, i) => {
        const ch = Math.floor(i / hw) % c;
        return ((v - runMean[ch]) / Math.sqrt(runVar[ch] + eps)) * (affine ? gamma[ch] : 1) + (affine ? beta[ch] : 0);
      });
      const scale = Array.from(x, (v, i) => {
        const ch = Math.floor(i / hw) % c;
        return (Math.abs(v) + Math.abs(runMean[ch])) / Math.sqrt(runVar[ch] + eps) * (affine ? gamma[ch] : 1) + (affine ? Math.abs(beta[ch]) : 0);
      });
      expectClose(`${isa} eval out`, evalOut, want, { rtol: 1e-6, scale });
    });
  });
});

describe('batch norm bad input', () => {
  test('named errors, process alive', () => {
    const x = randomArray(24), out = new Float32Array(24), c3 = () => new Float32Array(3);
    expectThrows(() => addon.batchNormTrainForward(x, 2, 3, 4, null, null, 1e-5, out, c3()), 'TypeError', 'batchNormTrainForward', 'expected 10');
    expectThrows(() => addon.batchNormTrainForward(x, 2, 3, 5, null, null, 1e-5, out, c3(), c3()), 'RangeError', "'x'");
    expectThrows(() => addon.batchNormTrainForward(x, 2, 3, 4, new Float32Array(2), null, 1e-5, out, c3(), c3()), 'RangeError', "'gamma'");
    expectThrows(() => addon.batchNormTrainForward(x, 2, 3, 4, null, null, -1, out, c3(), c3()), 'RangeError', "'eps'");
    expectThrows(() => addon.batchNormTrainForward(x, 2, 3, 4, null, null, 1e-5, out, c3(), [1, 2, 3]), 'TypeError', "'invstd'");
    expectThrows(() => addon.batchNormEvalForward(x, 2, 3, 4, c3(), new Float32Array(1), null, null, 1e-5, out), 'RangeError', 'batchNormEvalForward', "'runVar'");
    expectThrows(() => addon.batchNormBackward(x, x, 2, 3, 4, c3(), c3(), null, out, new Float32Array(2), null), 'RangeError', 'batchNormBackward', "'ggamma'");
    expectThrows(() => addon.batchNormBackward(x, x, 0, 3, 4, c3(), c3(), null, out, null, null), 'RangeError', "'n'");
    const mean = c3(), invstd = c3();
    addon.batchNormTrainForward(x, 2, 3, 4, null, null, 1e-5, out, mean, invstd);
    expect(invstd.every((v) => v > 0)).toBe(true);
  });
});
