// Native max / average / adaptive pooling against float64 loops: odd planes, stride 2,
// padding, non-square windows, ties and NaN, on every ISA path.
import { addon, expectClose, expectThrows, onEveryIsa, randomArray, randomInt } from './kernel-check';

interface Win { n: number; c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number }
const win = (p: Partial<Win>): Win => ({ n: 1, c: 1, h: 1, w: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, ...p });
const outSize = (s: Win) => [Math.floor((s.h + 2 * s.ph - s.kh) / s.sh) + 1, Math.floor((s.w + 2 * s.pw - s.kw) / s.sw) + 1];
const dims = (s: Win) => [s.n, s.c, s.h, s.w, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw];

const cases: [string, Win][] = [
  ['1x1', win({ n: 2, c: 3, h: 5, w: 4 })],
  ['2x2 stride 2 (VGG)', win({ n: 2, c: 3, h: 8, w: 8, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, odd plane', win({ n: 3, c: 2, h: 7, w: 9, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, rows of 19 outputs', win({ n: 2, c: 3, h: 6, w: 38, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['3x3 stride 2 pad 1', win({ n: 2, c: 5, h: 11, w: 13, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['3x3 stride 1 pad 1', win({ n: 1, c: 2, h: 6, w: 5, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['3x2 stride (2, 1) pad 1', win({ n: 2, c: 3, h: 9, w: 7, kh: 3, kw: 2, sh: 2, sw: 1, ph: 1, pw: 1 })],
  ['window = plane', win({ n: 4, c: 3, h: 5, w: 7, kh: 5, kw: 7 })],
  ['many planes', win({ n: 17, c: 31, h: 12, w: 10, kh: 2, kw: 2, sh: 2, sw: 2 })],
  // Narrow planes, pooled as one stream: a ragged last block, several threads' chunks,
  // planes dividing 64 floats or a multiple of them, and narrow ones that do neither.
  ['2x2 stride 2, 4x4 planes', win({ n: 5, c: 13, h: 4, w: 4, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 4x4 planes, many', win({ n: 4, c: 1100, h: 4, w: 4, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 2x2 planes', win({ n: 3, c: 7, h: 2, w: 2, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 4x8 planes', win({ n: 3, c: 5, h: 4, w: 8, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 2x16 planes', win({ n: 2, c: 3, h: 2, w: 16, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 8x16 planes', win({ n: 2, c: 3, h: 8, w: 16, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 6x2 planes', win({ n: 3, c: 4, h: 6, w: 2, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['2x2 stride 2, 6x8 planes', win({ n: 2, c: 3, h: 6, w: 8, kh: 2, kw: 2, sh: 2, sw: 2 })],
];

describe.each(cases)('pooling %s', (_name, s) => {
  const [oh, ow] = outSize(s);
  const planes = s.n * s.c, ip = s.h * s.w, op = oh * ow;
  // integer-valued entries make ties; one NaN in the first plane
  const x = randomArray(planes * ip, -3, 3).map((v) => (randomInt(3) === 0 ? Math.round(v) : v));
  if (ip > 2) x[ip - 2] = NaN;
  if (ip > 2 * s.w + 3) x[s.w + 2] = NaN; // second row: inside a 2x2 window
  if (planes > 2) x[(planes >> 1) * ip + s.w + 1] = NaN; // a later plane's second row
  const gy = randomArray(planes * op);

  const maxOut = new Float64Array(planes * op), arg = new Int32Array(planes * op), avgOut = new Float64Array(planes * op);
  const gxMax = new Float64Array(planes * ip), gxAvg = new Float64Array(planes * ip);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        let best = -Infinity, at = -1, sum = 0;
        const oi = p * op + y * ow + xo;
        for (let ky = 0; ky < s.kh; ky++)
          for (let kx = 0; kx < s.kw; kx++) {
            const iy = y * s.sh - s.ph + ky, ix = xo * s.sw - s.pw + kx;
            if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
            const v = x[p * ip + iy * s.w + ix];
            sum += v;
            gxAvg[p * ip + iy * s.w + ix] += gy[oi] / (s.kh * s.kw);
            if (at < 0 || v > best || (v !== v && best === best)) {
              best = v;
              at = iy * s.w + ix;
            }
          }
        maxOut[oi] = best;
        arg[oi] = at;
        avgOut[oi] = sum / (s.kh * s.kw);
        gxMax[p * ip + at] += gy[oi];
      }

  test('max and average, forward and backward', () => {
    onEveryIsa((isa) => {
      const out = new Float32Array(planes * op).fill(7), am = new Int32Array(planes * op).fill(-7);
      addon.maxPool2dForward(x, ...dims(s), out, am);
      expectClose(`${isa} max values`, out, maxOut, { rtol: 0, atol: 0 });
      expectClose(`${isa} max argmax`, am, arg, { rtol: 0, atol: 0 });
      const gx = new Float32Array(planes * ip).fill(NaN);
      addon.maxPool2dBackward(gy, am, s.n, s.c, s.h, s.w, oh, ow, gx);
      expectClose(`${isa} max backward`, gx, gxMax, { rtol: 1e-6, atol: 1e-6 });
      const gathered = new Float32Array(planes * op);
      addon.maxPool2dGather(gx, am, s.n, s.c, s.h, s.w, oh, ow, gathered);
      expectClose(`${isa} max gather`, gathered, Array.from(am, (a, i) => gx[Math.floor(i / op) * ip + a]), { rtol: 0, atol: 0 });
      addon.avgPool2dForward(x.map((v) => (v !== v ? 0.5 : v)), ...dims(s), out);
      const clean = Array.from(x, (v) => (v !== v ? 0.5 : v));
      const avgClean = Array.from(avgOut, (v, i) => (Number.isNaN(v) ? recomputeAvg(clean, s, i, oh, ow) : v));
      expectClose(`${isa} avg forward`, out, avgClean, { rtol: 1e-6, atol: 1e-6 });
      addon.avgPool2dBackward(gy, ...dims(s), gx);
      expectClose(`${isa} avg backward`, gx, gxAvg, { rtol: 1e-6, atol: 1e-6 });
    });
  });
});

function recomputeAvg(x: number[], s: Win, oi: number, oh: number, ow: number): number {
  const p = Math.floor(oi / (oh * ow)), y = Math.floor((oi % (oh * ow)) / ow), xo = oi % ow;
  let sum = 0;
  for (let ky = 0; ky < s.kh; ky++)
    for (let kx = 0; kx < s.kw; kx++) {
      const iy = y * s.sh - s.ph + ky, ix = xo * s.sw - s.pw + kx;
      if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) sum += x[p * s.h * s.w + iy * s.w + ix];
    }
  return sum / (s.kh * s.kw);
}

describe.each([
  [2, 3, 7, 9, 3, 4],
  [3, 2, 8, 8, 1, 1],
  [1, 2, 5, 5, 5, 5],
  [2, 1, 3, 2, 5, 4],
  [2, 64, 8, 8, 1, 1],
])('adaptive average pooling n %d c %d %dx%d -> %dx%d', (n, c, h, w, oh, ow) => {
  test('forward and backward', () => {
    const x = randomArray(n * c * h * w), gy = randomArray(n * c * oh * ow);
    const out = new Float64Array(n * c * oh * ow), gx = new Float64Array(n * c * h * w);
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          const y0 = Math.floor((y * h) / oh), y1 = Math.ceil(((y + 1) * h) / oh);
          const x0 = Math.floor((xo * w) / ow), x1 = Math.ceil(((xo + 1) * w) / ow);
          const area = (y1 - y0) * (x1 - x0), oi = (p * oh + y) * ow + xo;
          for (let iy = y0; iy < y1; iy++)
            for (let ix = x0; ix < x1; ix++) {
              out[oi] += x[(p * h + iy) * w + ix] / area;
              gx[(p * h + iy) * w + ix] += gy[oi] / area;
            }
        }
    onEveryIsa((isa) => {
      const o = new Float32Array(n * c * oh * ow).fill(NaN), g = new Float32Array(n * c * h * w).fill(NaN);
      addon.adaptiveAvgPool2dForward(x, n, c, h, w, oh, ow, o);
      expectClose(`${isa} adaptive forward`, o, out, { rtol: 1e-6, atol: 1e-6 });
      addon.adaptiveAvgPool2dBackward(gy, n, c, h, w, oh, ow, g);
      expectClose(`${isa} adaptive backward`, g, gx, { rtol: 1e-6, atol: 1e-6 });
    });
  });
});

describe('pooling bad input', () => {
  test('named errors, process alive', () => {
    const x = randomArray(2 * 3 * 8 * 8), out = new Float32Array(2 * 3 * 16), am = new Int32Array(2 * 3 * 16);
    const d = [2, 3, 8, 8, 2, 2, 2, 2, 0, 0];
    expectThrows(() => addon.maxPool2dForward(x, ...d, out), 'TypeError', 'maxPool2dForward', 'expected 13');
    expectThrows(() => addon.maxPool2dForward(x, ...d, out, new Float32Array(96)), 'TypeError', "'argmax'");
    expectThrows(() => addon.maxPool2dForward(x, ...d, out.subarray(1), am), 'RangeError', "'out'");
    expectThrows(() => addon.maxPool2dForward(x, 2, 3, 8, 8, 2, 2, 2, 2, 2, 0, out, am), 'RangeError', "'ph'");
    expectThrows(() => addon.maxPool2dForward(x, 2, 3, 8, 8, 9, 2, 2, 2, 0, 0, out, am), 'RangeError', "'kh'");
    expectThrows(() => addon.maxPool2dForward(x, 2, 3, 8, 8, 2, 2, 0, 2, 0, 0, out, am), 'RangeError', "'sh'");
    expectThrows(() => addon.avgPool2dForward(x.subarray(5), ...d, out), 'RangeError', 'avgPool2dForward', "'x'");
    expectThrows(() => addon.avgPool2dBackward(out, ...d, new Float32Array(5)), 'RangeError', 'avgPool2dBackward', "'gx'");
    const bad = new Int32Array(96).fill(64);
    expectThrows(() => addon.maxPool2dBackward(out, bad, 2, 3, 8, 8, 4, 4, new Float32Array(384)), 'RangeError', 'maxPool2dBackward', "'argmax'");
    expectThrows(() => addon.maxPool2dGather(x, bad, 2, 3, 8, 8, 4, 4, out), 'RangeError', 'maxPool2dGather', "'argmax'");
    expectThrows(() => addon.adaptiveAvgPool2dForward(x, 2, 3, 8, 8, 0, 1, out), 'RangeError', "'oh'");
    addon.maxPool2dForward(x, ...d, out, am);
    expect(am.every((a) => a >= 0 && a < 64)).toBe(true);
  });
});
