// Native batch norm + ReLU + 2x2 max pooling against float32-exact oracles on every ISA
// path: the pooled output bit for bit (the pre-activation replayed with Math.fround, the
// window maximum chosen as max pooling chooses it), the backward in float64 from the
// same winners, and the unfused kernels (batchNormReluTrainForward, maxPool2dForward).
// Quantized inputs make exact ties inside windows, so the tie rule is exercised.
import { addon, expectChannelSums, expectClose, expectThrows, onEveryIsa, randomArray } from './kernel-check';

const f = Math.fround;

/** Pre-activations as the kernel computes them in float32, and the centred inputs. */
function preact(x: Float32Array, n: number, c: number, hw: number, mean: Float32Array, meanLo: Float32Array, invstd: Float32Array, gamma: Float32Array | null, beta: Float32Array | null) {
  const y = new Float64Array(x.length), d = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = Math.floor(i / hw) % c;
    const scale = f((gamma ? gamma[ch] : 1) * invstd[ch]);
    d[i] = f(f(x[i] - mean[ch]) - meanLo[ch]);
    y[i] = f(f(d[i] * scale) + (beta ? beta[ch] : 0));
  }
  return { y, d };
}

/** Max pooling's winner of each 2x2 window of relu(y): first largest in row-major order. */
function winners(y: Float64Array, planes: number, h: number, w: number): Int32Array {
  const oh = h / 2, ow = w / 2;
  const win = new Int32Array(planes * oh * ow);
  for (let p = 0; p < planes; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity, arg = -1;
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
          const i = p * h * w + (2 * oy + dy) * w + 2 * ox + dx;
          const v = y[i] <= 0 ? 0 : y[i];
          if (arg < 0 || v > best || (v !== v && best === best)) {
            best = v;
            arg = i;
          }
        }
        win[(p * oh + oy) * ow + ox] = arg;
      }
  return win;
}

const cases: [number, number, number, number, number, number, boolean][] = [
  // n, c, h, w, offset, spread, quantized (ties)
  [1, 1, 2, 2, 0, 1, false],
  [2, 3, 4, 6, 0, 1, false],
  [3, 2, 8, 8, 0.2, 1, true],
  [2, 5, 16, 16, 0, 1, false],
  [2, 3, 32, 32, 0, 1, true],
  [1, 2, 6, 34, 0, 1, false],
  [4, 3, 2, 66, -0.3, 1, true],
  [5, 2, 10, 10, 100, 0.01, false],
  // Narrow planes whose last vector step holds fewer window rows than the others (one, on
  // AVX-512 and on AVX2): the step's columns past the plane must not be written.
  [2, 3, 6, 16, 0, 1, false],
  [2, 2, 6, 8, 0, 1, true],
  [1, 2, 10, 12, 0, 1, false],
  // Each layout of a step's lanes on some ISA path: w 4 is half an AVX2 vector (two input
  // rows per half, one load each) and a quarter of AVX-512's (gathered); w 8 half of
  // AVX-512's, a whole AVX2 vector (one row per half); w 16 a whole AVX-512 vector. Window
  // rows 6 and 5 leave a last step with fewer rows than the others.
  [2, 2, 6, 4, 0, 1, true],
  [1, 2, 12, 4, 0, 1, false], // w 4 on AVX-512: window rows in both halves of a step
  [1, 2, 12, 8, 0, 1, false],
  [2, 3, 10, 16, 0.1, 1, true],
];

describe.each(cases)('batch norm + relu + max pool n %d c %d %dx%d (offset %s, spread %s, ties %s)', (n, c, h, w, offset, spread, quantized) => {
  const hw = h * w, size = n * c * hw, pooled = size / 4;
  const x = randomArray(size, offset - spread, offset + spread);
  if (quantized) for (let i = 0; i < size; i++) x[i] = Math.round(x[i] * 2) / 2;
  const gy = randomArray(pooled);
  const gamma = randomArray(c, 0.5, 1.5), beta = randomArray(c, -0.5, 0.5);

  test.each([true, false])('with affine parameters: %s', (affine) => {
    const g = affine ? gamma : null, b = affine ? beta : null;
    onEveryIsa((isa) => {
      const out = new Float32Array(pooled).fill(NaN), mean = new Float32Array(c), meanLo = new Float32Array(c), invstd = new Float32Array(c);
      addon.batchNormReluMaxPoolTrainForward(x, n, c, h, w, g, b, 1e-5, out, mean, meanLo, invstd);
      // Statistics equal the unfused kernel's; so do the pooled values, bit for bit.
      const full = new Float32Array(size), m2 = new Float32Array(c), lo2 = new Float32Array(c), is2 = new Float32Array(c);
      addon.batchNormReluTrainForward(x, n, c, hw, g, b, 1e-5, full, m2, lo2, is2);
      expect([Array.from(mean), Array.from(meanLo), Array.from(invstd)]).toEqual([Array.from(m2), Array.from(lo2), Array.from(is2)]);
      const pooledRef = new Float32Array(pooled), argmax = new Int32Array(pooled);
      addon.maxPool2dForward(full, n, c, h, w, 2, 2, 2, 2, 0, 0, pooledRef, argmax);
      expect(Array.from(out)).toEqual(Array.from(pooledRef));

      const { y, d } = preact(x, n, c, hw, mean, meanLo, invstd, g, b);
      const win = winners(y, n * c, h, w);
      expect(Array.from(win, (i) => f(y[i] <= 0 ? 0 : y[i]))).toEqual(Array.from(out));
      // The unfused pool picks the same elements.
      expect(Array.from(argmax)).toEqual(Array.from(win, (i) => i % hw));

      // Backward oracle: g at each winner where its y > 0.
      const gfull = new Float64Array(size);
      win.forEach((i, o) => {
        if (y[i] > 0) gfull[i] = gy[o];
      });
      const want = new Float64Array(size), gg = new Float64Array(c), gb = new Float64Array(c), scale = new Float64Array(size);
      const m = n * hw;
      for (let ch = 0; ch < c; ch++) {
        let sg = 0, sgx = 0;
        const idx: number[] = [];
        for (let bi = 0; bi < n; bi++) for (let i = 0; i < hw; i++) idx.push((bi * c + ch) * hw + i);
        for (const i of idx) {
          sg += gfull[i];
          sgx += gfull[i] * d[i] * invstd[ch];
        }
        gg[ch] = sgx;
        gb[ch] = sg;
        const k = (g ? g[ch] : 1) * invstd[ch];
        for (const i of idx) {
          const xh = d[i] * invstd[ch];
          want[i] = k * (gfull[i] - sg / m - xh * sgx / m);
          scale[i] = Math.abs(k) * (Math.abs(gfull[i]) + Math.abs(sg / m) + Math.abs(xh * sgx / m));
        }
      }
      const gx = new Float32Array(size).fill(NaN), ggN = new Float32Array(c), gbN = new Float32Array(c);
      addon.batchNormReluMaxPoolBackward(gy, x, n, c, h, w, mean, meanLo, invstd, g, b, gx, ggN, gbN);
      expectClose(`${isa} gx`, gx, want, { rtol: 2e-4, scale });
      expectClose(`${isa} gbeta`, gbN, gb, { rtol: 1e-4, atol: 1e-5 });
      expectClose(`${isa} ggamma`, ggN, gg, { rtol: 1e-4, atol: 1e-4 });
      // gxSum with a shifted mean (see batchnorm-relu.test.ts): sums large enough to check.
      // A positive gy keeps sum(g xhat) of the shifted statistics, so the sums, clear of 0.
      const shifted = mean.map((v) => v + 0.25);
      const gyPos = gy.map((v) => Math.abs(v) + 0.1);
      const gx1 = new Float32Array(size).fill(NaN), gx2 = new Float32Array(size).fill(NaN), sums = new Float32Array(c).fill(NaN);
      addon.batchNormReluMaxPoolBackward(gyPos, x, n, c, h, w, shifted, meanLo, invstd, g, b, gx1, null, null);
      addon.batchNormReluMaxPoolBackward(gyPos, x, n, c, h, w, shifted, meanLo, invstd, g, b, gx2, null, null, sums);
      expect(Buffer.from(gx2.buffer).equals(Buffer.from(gx1.buffer))).toBe(true);
      expectChannelSums(`${isa} gxSum`, gx2, n, c, h * w, sums);

      // With gy = 1, gbeta counts the windows whose winner passes the ReLU: exact.
      addon.batchNormReluMaxPoolBackward(new Float32Array(pooled).fill(1), x, n, c, h, w, mean, meanLo, invstd, g, b, gx, null, gbN);
      const count = new Float64Array(c);
      win.forEach((i) => {
        if (y[i] > 0) count[Math.floor(i / hw) % c]++;
      });
      expect(Array.from(gbN)).toEqual(Array.from(count));
    });
  });
});

describe('batch norm + relu + max pool bad input', () => {
  test('named errors, process alive', () => {
    const x = randomArray(2 * 3 * 4 * 4), out = new Float32Array(24), c3 = () => new Float32Array(3);
    const fwd = 'batchNormReluMaxPoolTrainForward', bwd = 'batchNormReluMaxPoolBackward';
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 4, 4, null, null, 1e-5, out, c3(), c3()), 'TypeError', fwd, 'expected 12');
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 3, 4, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'h'", 'even');
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 4, 5, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'w'");
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 4, 4, null, null, 1e-5, new Float32Array(23), c3(), c3(), c3()), 'RangeError', fwd, "'out'");
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 8, 4, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'x'");
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 4, 4, null, null, -1, out, c3(), c3(), c3()), 'RangeError', fwd, "'eps'");
    expectThrows(() => addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 0, 4, null, null, 1e-5, out, c3(), c3(), c3()), 'RangeError', fwd, "'h'");
    const gx = new Float32Array(96);
    expectThrows(() => addon.batchNormReluMaxPoolBackward(out, x, 2, 3, 4, 4, c3(), c3(), c3(), null, null, gx, null), 'TypeError', bwd, 'expected 14 to 16');
    expectThrows(() => addon.batchNormReluMaxPoolBackward(new Float32Array(5), x, 2, 3, 4, 4, c3(), c3(), c3(), null, null, gx, null, null), 'RangeError', bwd, "'gy'");
    expectThrows(() => addon.batchNormReluMaxPoolBackward(out, x, 2, 3, 4, 4, c3(), c3(), c3(), null, null, new Float32Array(24), null, null), 'RangeError', bwd, "'gx'");
    expectThrows(() => addon.batchNormReluMaxPoolBackward(out, x, 2, 3, 4, 4, c3(), c3(), new Float32Array(1), null, null, gx, null, null), 'RangeError', bwd, "'invstd'");
    expectThrows(() => addon.batchNormReluMaxPoolBackward(out, x, 2, 3, 4, 4, c3(), c3(), c3(), null, [1, 2, 3], gx, null, null), 'TypeError', bwd, "'beta'");
    const mean = c3(), meanLo = c3(), invstd = c3();
    addon.batchNormReluMaxPoolTrainForward(x, 2, 3, 4, 4, null, null, 1e-5, out, mean, meanLo, invstd);
    expect(invstd.every((v) => v > 0)).toBe(true);
  });
});
