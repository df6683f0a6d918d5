// Native convolution (forward, input gradient, weight gradient, masked variants) against
// direct float64 loops, on every ISA path, over odd shapes: 1, primes, non-square,
// stride 2, padding 0/1/2, dilation 2, groups, depthwise, multi-block reductions.
import { addon, expectClose, expectThrows, onEveryIsa, randomArray, randomMask } from './kernel-check';

interface Shape {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number;
}

const outH = (s: Shape) => Math.floor((s.h + 2 * s.ph - s.dh * (s.kh - 1) - 1) / s.sh) + 1;
const outW = (s: Shape) => Math.floor((s.w + 2 * s.pw - s.dw * (s.kw - 1) - 1) / s.sw) + 1;

/** Calls tap(xi, wi, yi) for every in-image (output pixel, weight tap) pair. */
function forEachTap(s: Shape, tap: (xi: number, wi: number, yi: number) => void): void {
  const oh = outH(s), ow = outW(s), cg = s.c / s.groups, og = s.o / s.groups;
  for (let b = 0; b < s.n; b++)
    for (let oc = 0; oc < s.o; oc++)
      for (let ci = 0; ci < cg; ci++) {
        const ic = Math.floor(oc / og) * cg + ci;
        for (let ky = 0; ky < s.kh; ky++)
          for (let kx = 0; kx < s.kw; kx++) {
            const wi = ((oc * cg + ci) * s.kh + ky) * s.kw + kx;
            for (let y = 0; y < oh; y++) {
              const iy = y * s.sh - s.ph + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (let x = 0; x < ow; x++) {
                const ix = x * s.sw - s.pw + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                tap(((b * s.c + ic) * s.h + iy) * s.w + ix, wi, ((b * s.o + oc) * oh + y) * ow + x);
              }
            }
          }
      }
}

function shape(p: Partial<Shape>): Shape {
  return { n: 1, c: 1, h: 1, w: 1, o: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, ...p };
}

const cases: [string, Shape][] = [
  ['all ones', shape({})],
  ['3x3 pad 1', shape({ n: 2, c: 3, h: 7, w: 5, o: 5, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['stride 2 pad 0', shape({ n: 3, c: 2, h: 9, w: 11, o: 7, kh: 3, kw: 3, sh: 2, sw: 2 })],
  ['stride 2 pad 2, 5x3', shape({ n: 2, c: 5, h: 8, w: 7, o: 3, kh: 5, kw: 3, sh: 2, sw: 1, ph: 2, pw: 1 })],
  ['dilation 2', shape({ n: 2, c: 3, h: 11, w: 13, o: 4, kh: 3, kw: 3, ph: 2, pw: 2, dh: 2, dw: 2 })],
  ['dilation 2, no padding', shape({ n: 1, c: 2, h: 9, w: 7, o: 3, kh: 2, kw: 3, dh: 2, dw: 3 })],
  ['groups 2', shape({ n: 2, c: 4, h: 6, w: 5, o: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2 })],
  ['groups 3, stride 2', shape({ n: 2, c: 9, h: 7, w: 7, o: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 3 })],
  ['depthwise', shape({ n: 2, c: 5, h: 7, w: 6, o: 5, kh: 3, kw: 3, ph: 1, pw: 1, groups: 5 })],
  ['depthwise x2, stride 2', shape({ n: 2, c: 3, h: 9, w: 8, o: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 3 })],
  ['1x1', shape({ n: 3, c: 7, h: 5, w: 3, o: 11, kh: 1, kw: 1 })],
  ['1x1 stride 2 pad 1', shape({ n: 2, c: 3, h: 6, w: 7, o: 5, kh: 1, kw: 1, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['kernel = image', shape({ n: 2, c: 3, h: 4, w: 3, o: 2, kh: 4, kw: 3 })],
  ['2x2 maps, many channels', shape({ n: 13, c: 24, h: 2, w: 2, o: 17, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['multi-block reduction', shape({ n: 2, c: 19, h: 17, w: 13, o: 19, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['wide map, several row bands (padded tile)', shape({ n: 2, c: 9, h: 41, w: 18, o: 10, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['wide map, dilation 2 (padded tile)', shape({ n: 1, c: 8, h: 9, w: 35, o: 9, kh: 3, kw: 3, ph: 2, pw: 2, dh: 2, dw: 2 })],
  ['wide map, groups 2 (padded tiles per group)', shape({ n: 2, c: 4, h: 9, w: 20, o: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2 })],
  ['wide map, stride 2 (phase tiles)', shape({ n: 1, c: 8, h: 32, w: 32, o: 9, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['first-layer shape (short reduction, large map)', shape({ n: 2, c: 3, h: 17, w: 13, o: 6, kh: 3, kw: 3, ph: 1, pw: 1 })],
  // Few batch pixels (n * oh * ow <= 16: the matrix-vector kernels of conv_few_pixels).
  ['few pixels: batch 1, 2x2 map, 37 -> 13 channels', shape({ n: 1, c: 37, h: 2, w: 2, o: 13, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['few pixels: batch 1, 4x4 map, taps past one chunk', shape({ n: 1, c: 131, h: 4, w: 4, o: 7, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['few pixels: batch 3, stride 2, groups 2', shape({ n: 3, c: 6, h: 3, w: 4, o: 10, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 2 })],
  ['few pixels: dilation 2, 1x3 output, 5 rows', shape({ n: 1, c: 11, h: 5, w: 7, o: 5, kh: 3, kw: 2, pw: 1, dh: 2, dw: 3 })],
  ['few pixels: batch 2, 1x1 output, 16 + 1 rows', shape({ n: 2, c: 29, h: 3, w: 3, o: 17, kh: 3, kw: 3 })],
];

const sizes = (s: Shape) => ({
  x: s.n * s.c * s.h * s.w,
  w: s.o * (s.c / s.groups) * s.kh * s.kw,
  y: s.n * s.o * outH(s) * outW(s),
});

function args(s: Shape): number[] {
  return [s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, s.groups];
}

describe.each(cases)('conv2d %s', (_name, s) => {
  const n = sizes(s);
  const x = randomArray(n.x), weight = randomArray(n.w), bias = randomArray(s.o), gy = randomArray(n.y);
  const mask = randomMask(n.w);
  const oh = outH(s), ow = outW(s);

  // float64 oracles, with the sum of |terms| as the tolerance scale
  const expect = (wt: Float32Array) => {
    const y = new Float64Array(n.y), ys = new Float64Array(n.y);
    const gx = new Float64Array(n.x), gxs = new Float64Array(n.x);
    const gw = new Float64Array(n.w), gws = new Float64Array(n.w);
    for (let i = 0; i < n.y; i++) {
      const oc = Math.floor(i / (oh * ow)) % s.o;
      y[i] = bias[oc];
      ys[i] = Math.abs(bias[oc]);
    }
    forEachTap(s, (xi, wi, yi) => {
      y[yi] += x[xi] * wt[wi];
      ys[yi] += Math.abs(x[xi] * wt[wi]);
      gx[xi] += gy[yi] * wt[wi];
      gxs[xi] += Math.abs(gy[yi] * wt[wi]);
      gw[wi] += gy[yi] * x[xi];
      gws[wi] += Math.abs(gy[yi] * x[xi]);
    });
    return { y, ys, gx, gxs, gw, gws };
  };
  const dense = expect(weight);
  const masked = expect(weight.map((v, i) => v * mask[i]));

  test('forward, input gradient and weight gradient, dense and masked, on every ISA', () => {
    onEveryIsa((isa) => {
      const y = new Float32Array(n.y).fill(NaN), gx = new Float32Array(n.x).fill(NaN);
      const gw = new Float32Array(n.w).fill(NaN);
      addon.conv2dForward(x, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, bias, ...args(s), y);
      expectClose(`${isa} forward`, y, dense.y, { scale: dense.ys });
      addon.conv2dGradInput(gy, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, ...args(s), gx);
      expectClose(`${isa} grad input`, gx, dense.gx, { scale: dense.gxs });
      addon.conv2dGradWeight(x, s.n, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, ...args(s), gw);
      expectClose(`${isa} grad weight`, gw, dense.gw, { scale: dense.gws });

      addon.conv2dMaskedForward(x, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, null, ...args(s), y, mask);
      const noBias = masked.y.map((v, i) => v - bias[Math.floor(i / (oh * ow)) % s.o]);
      expectClose(`${isa} masked forward`, y, noBias, { scale: masked.ys });
      addon.conv2dMaskedGradInput(gy, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, ...args(s), gx, mask);
      expectClose(`${isa} masked grad input`, gx, masked.gx, { scale: masked.gxs });
      addon.conv2dMaskedGradWeight(x, s.n, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, ...args(s), gw, mask);
      expectClose(`${isa} masked grad weight`, gw, dense.gw.map((v, i) => v * mask[i]), { scale: dense.gws });
      for (let i = 0; i < n.w; i++) if (mask[i] === 0 && !Object.is(gw[i], 0)) throw new Error(`masked gw[${i}] = ${gw[i]}`);
    });
  });
});

describe('conv2d bad input', () => {
  const s = shape({ n: 2, c: 4, h: 5, w: 5, o: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2 });
  const n = sizes(s);
  const x = randomArray(n.x), weight = randomArray(n.w), y = new Float32Array(n.y);
  const call = (over: Partial<Record<string, unknown>> = {}) => {
    const a = { x, n: s.n, c: s.c, h: s.h, w: s.w, weight, o: s.o, kh: s.kh, kw: s.kw, bias: null, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 2, out: y, ...over };
    return addon.conv2dForward(a.x, a.n, a.c, a.h, a.w, a.weight, a.o, a.kh, a.kw, a.bias, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, a.groups, a.out);
  };

  test('wrong count, types, lengths and shapes throw named errors', () => {
    expectThrows(() => addon.conv2dForward(x, 1, 2), 'TypeError', 'conv2dForward', 'expected 18 arguments');
    expectThrows(() => call({ x: new Float64Array(n.x) }), 'TypeError', 'conv2dForward', "'x'", 'Float32Array');
    expectThrows(() => call({ x: x.subarray(1) }), 'RangeError', 'conv2dForward', "'x'");
    expectThrows(() => call({ out: new Float32Array(n.y - 1) }), 'RangeError', "'out'");
    expectThrows(() => call({ bias: new Float32Array(2) }), 'RangeError', "'bias'");
    expectThrows(() => call({ bias: [1, 2, 3, 4, 5, 6] }), 'TypeError', "'bias'");
    expectThrows(() => call({ groups: 3 }), 'RangeError', "'groups'");
    expectThrows(() => call({ kh: 9 }), 'RangeError', "'kh'");
    expectThrows(() => call({ kh: 8, ph: 1, sh: 2 }), 'RangeError', "'kh'"); // span -1: truncation would say 1 row
    expectThrows(() => call({ sh: 0 }), 'RangeError', "'sh'");
    expectThrows(() => call({ ph: -1 }), 'RangeError', "'ph'");
    expectThrows(() => call({ n: 1.5 }), 'TypeError', "'n'");
    expectThrows(() => call({ c: '4' }), 'TypeError', "'c'");
    expectThrows(
      () => addon.conv2dMaskedGradWeight(x, 2, 4, 5, 5, y, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, weight, new Float32Array(3)),
      'RangeError', 'conv2dMaskedGradWeight', "'mask'");
    expectThrows(
      () => addon.conv2dGradInput(y.subarray(3), 2, 4, 5, 5, weight, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, x),
      'RangeError', 'conv2dGradInput', "'gy'");
    // still alive and correct
    call();
    expect(y.every(Number.isFinite)).toBe(true);
  });
});
