// The batch-1 / few-pixel convolution paths (conv_few_pixels*, conv_pixel_lanes*: at most
// 16 batch pixels, the forward up to 64) against float64 loops, dense and masked, on every
// ISA path: channels 1, 3 and primes, 1x1 to 8x8 output planes, weight rows past one row
// block (64) and taps past one tap block (64) with tails, stride, padding, dilation and
// groups. The gradients must also be
// bit-identical from run to run (pruning breaks score ties by index).
import { addon, expectClose, onEveryIsa, randomArray, randomMask } from './kernel-check';

interface Shape {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number;
}

const outH = (s: Shape) => Math.floor((s.h + 2 * s.ph - s.dh * (s.kh - 1) - 1) / s.sh) + 1;
const outW = (s: Shape) => Math.floor((s.w + 2 * s.pw - s.dw * (s.kw - 1) - 1) / s.sw) + 1;

function shape(p: Partial<Shape>): Shape {
  return { n: 1, c: 1, h: 1, w: 1, o: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1, ...p };
}

const cases: [string, Shape][] = [
  ['1 channel, 2x2 plane', shape({ c: 1, h: 2, w: 2, o: 3 })],
  ['3 channels, 1x1 plane', shape({ c: 3, o: 5 })],
  ['17 channels, 4x4 plane, 130 rows (row-block tail), 153 taps (tap-block tail)', shape({ c: 17, h: 4, w: 4, o: 130 })],
  ['67 channels, 3x3 plane (pixel-block tail)', shape({ c: 67, h: 3, w: 3, o: 13 })],
  ['batch 2, 2x2 plane, 70 rows', shape({ n: 2, c: 29, h: 2, w: 2, o: 70 })],
  ['batch 16, 1x1 plane', shape({ n: 16, c: 7, o: 11 })],
  ['stride 2, 7x7 -> 4x4', shape({ c: 13, h: 7, w: 7, o: 11, sh: 2, sw: 2 })],
  ['1x1 kernel, 4x4 plane, 131 -> 65', shape({ c: 131, h: 4, w: 4, o: 65, kh: 1, kw: 1, ph: 0, pw: 0 })],
  ['groups 2, 2x2 plane', shape({ c: 34, h: 2, w: 2, o: 130, groups: 2 })],
  ['dilation 2, padding 2, 1x3 plane', shape({ c: 5, h: 5, w: 3, o: 7, dh: 2, dw: 2, ph: 0, pw: 2 })],
  ['VGG-like 4x4, 128 -> 96 (whole tap blocks)', shape({ c: 128, h: 4, w: 4, o: 96 })],
  ['8x8 plane, 19 -> 13 (forward: pixel lanes, 4 vectors, row-block tail)', shape({ c: 19, h: 8, w: 8, o: 13 })],
  ['batch 3, 3x3 plane (27 pixels, 2 vectors)', shape({ n: 3, c: 11, h: 3, w: 3, o: 17 })],
  ['batch 2, 5x5 -> 3x3 plane, stride 2, groups 3 (18 pixels)', shape({ n: 2, c: 9, h: 5, w: 5, o: 6, sh: 2, sw: 2, groups: 3 })],
  ['batch 5, 3x3 plane, 1x1 kernel (45 pixels, 3 vectors)', shape({ n: 5, c: 7, h: 3, w: 3, o: 9, kh: 1, kw: 1, ph: 0, pw: 0 })],
];

function args(s: Shape): number[] {
  return [s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, s.groups];
}

/** Float64 forward, input and weight gradients, with the sum of |terms| as tolerance scales. */
function oracle(s: Shape, x: Float32Array, wt: ArrayLike<number>, gy: Float32Array) {
  const oh = outH(s), ow = outW(s), cg = s.c / s.groups, og = s.o / s.groups;
  const ny = s.n * s.o * oh * ow, nx = x.length, nw = wt.length;
  const y = new Float64Array(ny), ys = new Float64Array(ny), gx = new Float64Array(nx), gxs = new Float64Array(nx);
  const gw = new Float64Array(nw), gws = new Float64Array(nw);
  for (let b = 0; b < s.n; b++)
    for (let oc = 0; oc < s.o; oc++)
      for (let ci = 0; ci < cg; ci++) {
        const ic = Math.floor(oc / og) * cg + ci;
        for (let ky = 0; ky < s.kh; ky++)
          for (let kx = 0; kx < s.kw; kx++) {
            const wi = ((oc * cg + ci) * s.kh + ky) * s.kw + kx;
            for (let yy = 0; yy < oh; yy++) {
              const iy = yy * s.sh - s.ph + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (let xx = 0; xx < ow; xx++) {
                const ix = xx * s.sw - s.pw + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                const xi = ((b * s.c + ic) * s.h + iy) * s.w + ix, yi = ((b * s.o + oc) * oh + yy) * ow + xx;
                y[yi] += x[xi] * wt[wi];
                ys[yi] += Math.abs(x[xi] * wt[wi]);
                gx[xi] += gy[yi] * wt[wi];
                gxs[xi] += Math.abs(gy[yi] * wt[wi]);
                gw[wi] += gy[yi] * x[xi];
                gws[wi] += Math.abs(gy[yi] * x[xi]);
              }
            }
          }
      }
  return { y, ys, gx, gxs, gw, gws };
}

describe.each(cases)('few-pixel conv2d: %s', (_name, s) => {
  const oh = outH(s), ow = outW(s);
  const nx = s.n * s.c * s.h * s.w, nw = s.o * (s.c / s.groups) * s.kh * s.kw, ny = s.n * s.o * oh * ow;
  if (s.n * oh * ow > 64) throw new Error('not a few-pixel shape');
  const x = randomArray(nx), weight = randomArray(nw), gy = randomArray(ny), bias = randomArray(s.o);
  const mask = randomMask(nw);
  const dense = oracle(s, x, weight, gy);
  const masked = oracle(s, x, weight.map((v, i) => v * mask[i]), gy);

  test('forward, input gradient and weight gradient, dense and masked, on every ISA', () => {
    onEveryIsa((isa) => {
      const y = new Float32Array(ny).fill(NaN), gx = new Float32Array(nx).fill(NaN), gw = new Float32Array(nw).fill(NaN);
      addon.conv2dForward(x, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, bias, ...args(s), y);
      const withBias = dense.y.map((v, i) => v + bias[Math.floor(i / (oh * ow)) % s.o]);
      const biasScale = dense.ys.map((v, i) => v + Math.abs(bias[Math.floor(i / (oh * ow)) % s.o]));
      expectClose(`${isa} forward`, y, withBias, { scale: biasScale });
      addon.conv2dGradInput(gy, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, ...args(s), gx);
      expectClose(`${isa} grad input`, gx, dense.gx, { scale: dense.gxs });
      addon.conv2dGradWeight(x, s.n, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, ...args(s), gw);
      expectClose(`${isa} grad weight`, gw, dense.gw, { scale: dense.gws });

      y.fill(NaN);
      gx.fill(NaN);
      gw.fill(NaN);
      addon.conv2dMaskedForward(x, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, null, ...args(s), y, mask);
      expectClose(`${isa} masked forward`, y, masked.y, { scale: masked.ys });
      addon.conv2dMaskedGradInput(gy, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, ...args(s), gx, mask);
      expectClose(`${isa} masked grad input`, gx, masked.gx, { scale: masked.gxs });
      addon.conv2dMaskedGradWeight(x, s.n, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, ...args(s), gw, mask);
      expectClose(`${isa} masked grad weight`, gw, dense.gw.map((v, i) => v * mask[i]), { scale: dense.gws });
      for (let i = 0; i < nw; i++) if (mask[i] === 0 && !Object.is(gw[i], 0)) throw new Error(`${isa} masked gw[${i}] = ${gw[i]}`);
    });
  });

  test('gradients are bit-identical from run to run', () => {
    const run = () => {
      const gx = new Float32Array(nx), gw = new Float32Array(nw), y = new Float32Array(ny);
      addon.conv2dForward(x, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, bias, ...args(s), y);
      addon.conv2dGradInput(gy, s.n, s.c, s.h, s.w, weight, s.o, s.kh, s.kw, ...args(s), gx);
      addon.conv2dGradWeight(x, s.n, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, ...args(s), gw);
      return [y, gx, gw];
    };
    const first = run();
    for (let rep = 0; rep < 3; rep++) {
      const again = run();
      for (let k = 0; k < 3; k++) expect(Buffer.from(again[k].buffer).equals(Buffer.from(first[k].buffer))).toBe(true);
    }
  });
});
