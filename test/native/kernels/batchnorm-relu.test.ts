// Native fused batch norm + ReLU (train forward with saved statistics, backward with the
// ReLU mask recomputed from x) and reluBackward, against float64 loops on every ISA path:
// [n, c] and NCHW views, both the per-row and the per-sample span path, odd sizes, a large offset with a small spread, null gamma / beta.
import { addon, expectChannelSums, expectClose, expectThrows, onEveryIsa, randomArray } from './kernel-check';

/** Forward statistics and output of relu(batchNorm(x)) in float64. */
function forwardOracle(x: Float32Array, n: number, c: number, hw: number, gamma: Float32Array | null, beta: Float32Array | null, eps: number) {
  const m = n * hw;
  const mean = new Float64Array(c), invstd = new Float64Array(c), out = new Float64Array(x.length), scale = new Float64Array(x.length);
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
    for (let b = 0; b < n; b++)
      for (let i = 0; i < hw; i++) {
        out[at(b, i)] = Math.max((x[at(b, i)] - mu) * is * g + be, 0);
        scale[at(b, i)] = Math.abs(x[at(b, i)] - mu) * is * Math.abs(g) + Math.abs(be);
      }
  }
  return { mean, invstd, out, scale };
}

/**
 * The backward in float64 from the float32 statistics the kernel is handed and the mask
 * its forward produced (out > 0), so the oracle is exact for what it is asked.
 */
function backwardOracle(gy: Float32Array, x: Float32Array, out: Float32Array, n: number, c: number, hw: number, mean: Float32Array, meanLo: Float32Array, invstd: Float32Array, gamma: Float32Array | null) {
  const m = n * hw;
  const gx = new Float64Array(x.length), gg = new Float64Array(c), gb = new Float64Array(c), gxScale = new Float64Array(x.length);
  // Sums of |terms|: float partial sums are exact relative to these, not to the (cancelling) totals.
  const ggScale = new Float64Array(c), gbScale = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const at = (b: number, i: number) => (b * c + ch) * hw + i;
    const xhat = (j: number) => (x[j] - mean[ch] - meanLo[ch]) * invstd[ch];
    const g = (j: number) => (out[j] > 0 ? gy[j] : 0);
    let sg = 0, sgx = 0;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < hw; i++) {
        sg += g(at(b, i));
        sgx += g(at(b, i)) * xhat(at(b, i));
        gbScale[ch] += Math.abs(g(at(b, i)));
        ggScale[ch] += Math.abs(g(at(b, i)) * xhat(at(b, i)));
      }
    gg[ch] = sgx;
    gb[ch] = sg;
    const k = (gamma ? gamma[ch] : 1) * invstd[ch];
    for (let b = 0; b < n; b++)
      for (let i = 0; i < hw; i++) {
        const j = at(b, i);
        gx[j] = k * (g(j) - sg / m - xhat(j) * sgx / m);
        gxScale[j] = Math.abs(k) * (Math.abs(g(j)) + Math.abs(sg / m) + Math.abs(xhat(j) * sgx / m));
      }
  }
  return { gx, gg, gb, gxScale, ggScale, gbScale };
}

const cases: [number, number, number, number, number][] = [
  // n, c, hw, offset, spread
  [1, 1, 7, 0, 1],
  [2, 3, 1, 0, 1],
  [7, 5, 13, 0, 2],
  [1, 3, 37, 0.3, 1],
  [32, 16, 64, 0.5, 1],
  [3, 2, 5003, 0, 1],
  [13, 3, 17, 100, 0.01],
  [5, 1, 1, 0, 1],
  // Rows of 128 and more take the per-row path; shorter ones the per-sample span path.
  [4, 3, 130, 0, 1],
  [2, 5, 257, -0.2, 1],
  [3, 2, 300, 100, 0.01],
  [9, 1000, 1, 0, 1],
  // Planes of whole vectors (1, 2 or 4 of 16 lanes, 1 or 2 of 8, ...) take the plane path:
  // blocks of channels cut short, batches of 16 samples and a remainder.
  [21, 13, 16, 0, 1],
  [18, 7, 32, 0.3, 1],
  [17, 5, 8, 0, 1],
  [3, 9, 64, 100, 0.01],
  [5, 11, 48, 0, 1],
];

describe.each(cases)('batch norm + relu n %d c %d hw %d (offset %s, spread %s)', (n, c, hw, offset, spread) => {
  const size = n * c * hw;
  const x = randomArray(size, offset - spread, offset + spread), gy = randomArray(size);
  const gamma = randomArray(c, 0.5, 1.5), beta = randomArray(c, -0.5, 0.5), eps = 1e-5;

  test.each([true, false])('with affine parameters: %s', (affine) => {
    const g = affine ? gamma : null, b = affine ? beta : null;
    const r = forwardOracle(x, n, c, hw, g, b, eps);
    onEveryIsa((isa) => {
      const out = new Float32Array(size).fill(NaN), mean = new Float32Array(c), meanLo = new Float32Array(c).fill(NaN), invstd = new Float32Array(c);
      addon.batchNormReluTrainForward(x, n, c, hw, g, b, eps, out, mean, meanLo, invstd);
      // Float partial sums (16 samples at a time) are exact to about eps x the data's magnitude.
      expectClose(`${isa} mean + meanLo`, Array.from(mean, (v, i) => v + meanLo[i]), r.mean, { rtol: 1e-6, atol: 1e-6 * (Math.abs(offset) + spread) });
      expectClose(`${isa} invstd`, invstd, r.invstd, { rtol: 1e-4 * (offset > 10 ? 10 : 1) });
      expectClose(`${isa} out`, out, r.out, { rtol: 2e-5, atol: 2e-5, scale: r.scale });
      expect(out.every((v) => v >= 0)).toBe(true);

      const want = backwardOracle(gy, x, out, n, c, hw, mean, meanLo, invstd, g);
      const gx = new Float32Array(size).fill(NaN), gg = new Float32Array(c).fill(NaN), gb = new Float32Array(c).fill(NaN);
      addon.batchNormReluBackward(gy, x, n, c, hw, mean, meanLo, invstd, g, b, gx, gg, gb);
      expectClose(`${isa} gx`, gx, want.gx, { rtol: 2e-4, scale: want.gxScale });
      expectClose(`${isa} gbeta`, gb, want.gb, { rtol: 1e-5, atol: 1e-6, scale: want.gbScale });
      expectClose(`${isa} ggamma`, gg, want.gg, { rtol: 2e-5, atol: 1e-6, scale: want.ggScale });
      addon.batchNormReluBackward(gy, x, n, c, hw, mean, meanLo, invstd, g, b, gx, null, null);
      expectClose(`${isa} gx without parameter gradients`, gx, want.gx, { rtol: 2e-4, scale: want.gxScale });
      // gxSum: the per-channel sums of exactly the gx written (a convolution's bias gradient).
      // With the batch's own statistics those sums vanish up to rounding, so a shifted mean
      // (the kernel takes the statistics as given) makes them large enough to check.
      // A positive gy keeps sum(g xhat) of the shifted statistics, so the sums, clear of 0.
      const shifted = mean.map((v) => v + 0.25);
      const gyPos = gy.map((v) => Math.abs(v) + 0.1);
      const gx1 = new Float32Array(size).fill(NaN), gx2 = new Float32Array(size).fill(NaN), sums = new Float32Array(c).fill(NaN);
      addon.batchNormReluBackward(gyPos, x, n, c, hw, shifted, meanLo, invstd, g, b, gx1, null, null);
      addon.batchNormReluBackward(gyPos, x, n, c, hw, shifted, meanLo, invstd, g, b, gx2, null, null, sums);
      expect(Buffer.from(gx2.buffer).equals(Buffer.from(gx1.buffer))).toBe(true);
      expectChannelSums(`${isa} gxSum`, gx2, n, c, hw, sums);

      // With gy = 1, gbeta counts the elements the backward lets through: exactly the
      // forward's positive outputs (integer sums are exact), so the recomputed mask is the
      // forward's bit for bit.
      const ones = new Float32Array(size).fill(1);
      addon.batchNormReluBackward(ones, x, n, c, hw, mean, meanLo, invstd, g, b, gx, null, gb);
      const positives = new Float64Array(c);
      out.forEach((v, j) => {
        if (v > 0) positives[Math.floor(j / hw) % c]++;
      });
      expect(Array.from(gb)).toEqual(Array.from(positives));
    });
  });
});

test('batch norm + relu: gx may alias gy', () => {
  const n = 3, c = 4, hw = 29, size = n * c * hw;
  const x = randomArray(size), gy = randomArray(size), gamma = randomArray(c, 0.5, 1.5), beta = randomArray(c);
  const out = new Float32Array(size), mean = new Float32Array(c), meanLo = new Float32Array(c), invstd = new Float32Array(c);
  addon.batchNormReluTrainForward(x, n, c, hw, gamma, beta, 1e-5, out, mean, meanLo, invstd);
  const gx = new Float32Array(size);
  addon.batchNormReluBackward(gy, x, n, c, hw, mean, meanLo, invstd, gamma, beta, gx, null, null);
  const inPlace = gy.slice();
  addon.batchNormReluBackward(inPlace, x, n, c, hw, mean, meanLo, invstd, gamma, beta, inPlace, null, null);
  expect(Array.from(inPlace)).toEqual(Array.from(gx));
});

describe('reluBackward', () => {
  test.each([1, 7, 16, 33, 1000, 70001])('matches out > 0 ? gy : 0 exactly, %d elements', (size) => {
    const out = randomArray(size, -1, 1), gy = randomArray(size, -3, 3);
    // Special outputs: zeros of both signs, NaN, infinities, subnormals.
    const specials = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45];
    for (let i = 0; i < Math.min(size, specials.length); i++) out[(i * 7919) % size] = specials[i];
    const want = Array.from(out, (v, i) => (v > 0 ? gy[i] : 0));
    onEveryIsa((isa) => {
      const gx = new Float32Array(size + 1).fill(NaN);
      addon.reluBackward(gy, out, gx, size);
      expect({ isa, gx: Array.from(gx.subarray(0, size)) }).toEqual({ isa, gx: want });
      expect(gx[size]).toBeNaN(); // nothing written past n
    });
  });
});

describe('batch norm + relu bad input', () => {
  test('named errors, process alive', () => {
    const x = randomArray(24), out = new Float32Array(24), c3 = () => new Float32Array(3);
    const fwd = 'batchNormReluTrainForward', bwd = 'batchNormReluBackward';
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 4, null, null, 1e-5, out, c3(), c3()), 'TypeError', fwd, 'expected 11');
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 5, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'x'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 4, new Float32Array(2), null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'gamma'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 4, null, new Float64Array(3), 1e-5, out, c3(), c3(), c3()), 'TypeError', fwd, "'beta'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 4, null, null, NaN, out, c3(), c3(), c3()), 'RangeError', fwd, "'eps'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 4, null, null, 1e-5, new Float32Array(23), c3(), c3(), c3()), 'RangeError', fwd, "'out'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 3, 4, null, null, 1e-5, out, c3(), [0, 0, 0], c3()), 'TypeError', fwd, "'meanLo'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2.5, 3, 4, null, null, 1e-5, out, c3(), c3(), c3()), 'TypeError', fwd, "'n'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 2, 0, 4, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'c'");
    expectThrows(() => addon.batchNormReluTrainForward(x, 65536, 65536, 2, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, '2^32');

    const gx = new Float32Array(24);
    expectThrows(() => addon.batchNormReluBackward(x, x, 2, 3, 4, c3(), c3(), c3(), null, null, gx, null), 'TypeError', bwd, 'expected 13 to 15');
    expectThrows(() => addon.batchNormReluBackward(x, x, 2, 3, 4, c3(), c3(), c3(), null, null, gx, null, null, new Float32Array(2)), 'RangeError', bwd, "'gxSum'");
    expectThrows(() => addon.batchNormReluBackward(x, x, 2, 3, 4, c3(), new Float32Array(2), c3(), null, null, gx, null, null), 'RangeError', bwd, "'meanLo'");
    expectThrows(() => addon.batchNormReluBackward(x, x, 2, 3, 4, c3(), c3(), c3(), null, new Float32Array(1), gx, null, null), 'RangeError', bwd, "'beta'");
    expectThrows(() => addon.batchNormReluBackward(x, x, 2, 3, 4, c3(), c3(), c3(), null, null, gx, null, new Float32Array(2)), 'RangeError', bwd, "'gbeta'");
    expectThrows(() => addon.batchNormReluBackward(new Float32Array(5), x, 2, 3, 4, c3(), c3(), c3(), null, null, gx, null, null), 'RangeError', bwd, "'gy'");
    expectThrows(() => addon.batchNormReluBackward(x, x, 2, 3, -4, c3(), c3(), c3(), null, null, gx, null, null), 'RangeError', bwd, "'hw'");
    expectThrows(() => addon.batchNormReluBackward(x, 'x', 2, 3, 4, c3(), c3(), c3(), null, null, gx, null, null), 'TypeError', bwd, "'x'");

    expectThrows(() => addon.reluBackward(x, x, gx), 'TypeError', 'reluBackward', 'expected 4');
    expectThrows(() => addon.reluBackward(x, new Float32Array(3), gx, 24), 'RangeError', 'reluBackward', "'out'");
    expectThrows(() => addon.reluBackward(x, x, new Float32Array(3), 24), 'RangeError', 'reluBackward', "'gx'");
    expectThrows(() => addon.reluBackward(x, x, gx, -1), 'RangeError', 'reluBackward', "'n'");
    expectThrows(() => addon.reluBackward(x, x, gx, 1.5), 'TypeError', 'reluBackward', "'n'");
    expectThrows(() => addon.reluBackward(new Int32Array(24), x, gx, 24), 'TypeError', 'reluBackward', "'gy'");

    // Still alive and working.
    const mean = c3(), meanLo = c3(), invstd = c3();
    addon.batchNormReluTrainForward(x, 2, 3, 4, null, null, 1e-5, out, mean, meanLo, invstd);
    expect(invstd.every((v) => v > 0)).toBe(true);
  });
});
