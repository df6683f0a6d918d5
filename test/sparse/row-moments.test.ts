// Batch-norm statistics handed over by the compressed convolution that wrote the activation:
// the native forward records each (image, channel) plane's mean and sum of squared
// deviations on long planes (and only there), the fused batch norms merge them into the
// very statistics their own pass would give (bit for bit), and the ops take them only for
// the tensor the convolution wrote, unchanged since.
import { loadNative } from '../../lib/backend/native-loader';
import { compressValues, patternFromMask } from '../../lib/backend/sparse/pattern';
import { compressWeight } from '../../lib/backend/sparse';
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { rowMomentsTaken } from '../../lib/ops/row-moments';
import { randomMask } from './dense-masked';
import { randn, seededRandom } from './seeded-random';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;
const SEED = (Date.now() % 1_000_003) >>> 0;

interface Layer {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  stride: number;
}

/** Runs the native forward of a random 3x3 layer (padding 1) at density 0.4; returns y, the moments array and the call's result. */
function forward(l: Layer, seed: number, moments: Float64Array | null) {
  const cols = l.c * 9;
  const mask = randomMask(l.o * cols, 0.4, seededRandom(seed), 1);
  const p = patternFromMask(mask, l.o, cols);
  const values = compressValues(p, randn(l.o * cols, seed + 1));
  const x = randn(l.n * l.c * l.h * l.w, seed + 2);
  const bias = randn(l.o, seed + 3);
  const oh = Math.floor((l.h + 2 - 3) / l.stride) + 1, ow = Math.floor((l.w + 2 - 3) / l.stride) + 1;
  const y = new Float32Array(l.n * l.o * oh * ow);
  const args = [x, l.n, l.c, l.h, l.w, l.o, 3, 3, l.stride, l.stride, 1, 1, 1, 1, 1, p.rowPtr, p.colIdx, values, bias, y];
  const wrote = moments === null ? cpu.sparseConv2dForward(...args) : cpu.sparseConv2dForward(...args, moments);
  return { y, wrote, plane: oh * ow };
}

describe('row moments from the compressed convolution (seed ' + SEED + ')', () => {
  it.each([
    { n: 3, c: 4, h: 12, w: 11, o: 6, stride: 1 },
    { n: 5, c: 3, h: 8, w: 8, o: 7, stride: 1 }, // the shortest planes that record (64)
    { n: 18, c: 24, h: 8, w: 8, o: 20, stride: 1 }, // the tiled path with AVX-512 (images in lanes)
  ])('long planes %j: the same y, and each plane mean and M2 as float64 computes them', (l) => {
    const m = new Float64Array(2 * l.n * l.o);
    const a = forward(l, SEED, m);
    const b = forward(l, SEED, null);
    expect(a.wrote).toBe(true);
    expect(b.wrote).toBe(false);
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    for (let r = 0; r < l.n * l.o; r++) {
      let s = 0;
      for (let i = 0; i < a.plane; i++) s += a.y[r * a.plane + i];
      const mean = s / a.plane;
      let m2 = 0;
      for (let i = 0; i < a.plane; i++) m2 += (a.y[r * a.plane + i] - mean) ** 2;
      expect(Math.abs(m[r] - mean)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(mean)));
      expect(Math.abs(m[l.n * l.o + r] - m2)).toBeLessThanOrEqual(1e-5 * m2);
    }
  });

  it('short planes (4x4 on the tiled path too), strided layers and the batch-minor path leave the array alone and say so', () => {
    for (const l of [
      { n: 3, c: 4, h: 4, w: 4, o: 6, stride: 1 },
      { n: 3, c: 4, h: 7, w: 9, o: 6, stride: 1 }, // 63: one short of recording
      { n: 3, c: 4, h: 16, w: 16, o: 6, stride: 2 },
      { n: 17, c: 3, h: 2, w: 2, o: 5, stride: 1 },
      { n: 17, c: 24, h: 4, w: 4, o: 20, stride: 1 }, // the tiled path with AVX-512
    ]) {
      const m = new Float64Array(2 * l.n * l.o).fill(-7);
      expect(forward(l, SEED + 10, m).wrote).toBe(false);
      expect(m.every((v) => v === -7)).toBe(true);
    }
  });

  it('rejects a rowMoments array of the wrong length or type, naming it', () => {
    const l = { n: 2, c: 3, h: 12, w: 12, o: 4, stride: 1 };
    expect(() => forward(l, SEED, new Float64Array(2 * l.n * l.o - 1))).toThrow(/rowMoments/);
    expect(() => forward(l, SEED, new Float32Array(2 * l.n * l.o) as unknown as Float64Array)).toThrow(/rowMoments.*Float64Array/);
  });

  it.each([
    { n: 3, c: 4, h: 16, w: 12, o: 5, stride: 1 },
    { n: 6, c: 3, h: 8, w: 8, o: 9, stride: 1 },
    { n: 17, c: 24, h: 8, w: 8, o: 20, stride: 1 }, // the tiled path with AVX-512
    // The direct path, 96 and 256 long: its moments one plane at a time, batch norm's own
    // pass 16 planes at once (AVX-512: rows in lanes), so the bits of both must agree
    { n: 8, c: 4, h: 12, w: 8, o: 18, stride: 1 },
    { n: 4, c: 3, h: 16, w: 16, o: 16, stride: 1 },
  ])('the fused batch norms merge them into the statistics and output of their own pass, bit for bit (%j)', (l) => {
    const m = new Float64Array(2 * l.n * l.o);
    const { y } = forward(l, SEED + 20, m);
    const hw = l.h * l.w, c = l.o;
    const gamma = randn(c, SEED + 21).map((v) => 1 + 0.3 * v), beta = randn(c, SEED + 22);
    const run = (pool: boolean, rows: Float64Array | null) => {
      const out = new Float32Array(pool ? y.length / 4 : y.length);
      const stats = [0, 1, 2].map(() => new Float32Array(c));
      if (pool) cpu.batchNormReluMaxPoolTrainForward(y, l.n, c, l.h, l.w, gamma, beta, 1e-5, out, ...stats, rows);
      else cpu.batchNormReluTrainForward(y, l.n, c, hw, gamma, beta, 1e-5, out, ...stats, rows);
      return [out, ...stats].map((a) => Array.from(a));
    };
    for (const pool of [false, true]) expect(run(pool, m)).toEqual(run(pool, null));
    expect(() => run(false, new Float64Array(2 * l.n * c - 1))).toThrow(/rowMoments/);
  });
});

describe('row moments taken 16 planes at once (seed ' + SEED + ')', () => {
  it.each([64, 96, 256, 1024])('a channel\'s statistics and output have the same bits as its plane alone (%i long)', (hw) => {
    // 21 rows: a group of 16 in vector lanes (AVX-512), the rest one by one; each channel
    // alone is one row. Offset data, so the rough-mean-then-deviations passes both matter.
    const c = 21;
    const x = randn(c * hw, SEED + 40).map((v, i) => 3 * v + 50 * Math.sin(i / hw));
    const gamma = randn(c, SEED + 41).map((v) => 1 + 0.3 * v), beta = randn(c, SEED + 42);
    const run = (xs: Float32Array, g: Float32Array, b: Float32Array, ch: number) => {
      const out = new Float32Array(xs.length);
      const stats = [0, 1, 2].map(() => new Float32Array(ch));
      cpu.batchNormReluTrainForward(xs, 1, ch, hw, g, b, 1e-5, out, ...stats);
      return { out, stats };
    };
    const all = run(x, gamma, beta, c);
    for (let ch = 0; ch < c; ch++) {
      const one = run(x.subarray(ch * hw, (ch + 1) * hw), gamma.subarray(ch, ch + 1), beta.subarray(ch, ch + 1), 1);
      expect(all.stats.map((s) => s[ch])).toEqual(one.stats.map((s) => s[0]));
      expect(Array.from(all.out.subarray(ch * hw, (ch + 1) * hw))).toEqual(Array.from(one.out));
    }
  });
});

describe('batch norm ops take the moments of the tensor the compressed convolution wrote (seed ' + SEED + ')', () => {
  type Tail = 'relu' | 'pool';
  /** bn(sparseConv2d(x)) and gradients; `touch` writes y in place first, `copy` normalizes a copy of y. */
  function run(tail: Tail, variant: 'direct' | 'copy' | 'touch') {
    return tidy(() => {
      const n = 2, c = 3, oc = 4, h = 16, w = 10;
      const x = fromArray(randn(n * c * h * w, SEED + 30), [n, c, h, w]);
      const mask = randomMask(oc * c * 9, 0.5, seededRandom(SEED + 31), 1);
      const cw = compressWeight(randn(oc * c * 9, SEED + 32), mask, [oc, c, 3, 3]);
      const values = fromArray(cw.values, [cw.values.length]).requiresGrad_();
      const gamma = fromArray(randn(oc, SEED + 33).map((v) => 1 + 0.3 * v), [oc]).requiresGrad_();
      const beta = fromArray(randn(oc, SEED + 34), [oc]).requiresGrad_();
      let y: Tensor = o.sparseConv2d(x, cw.weight, values, null, { padding: 1 });
      if (variant === 'copy') y = o.add(y, 0);
      if (variant === 'touch') y.fill_(0.25);
      const before = rowMomentsTaken.count;
      const opts = { training: true, weight: gamma, bias: beta, eps: 1e-5 };
      const out = tail === 'relu' ? o.batchNormRelu(y, opts) : o.batchNormReluMaxPool2d(y, opts);
      const taken = rowMomentsTaken.count > before;
      const r = fromArray(randn(out.size, SEED + 35), out.shape);
      const grads = grad(o.sum(o.mul(out, r)), [values, gamma, beta]).map((g) => g!.toArray());
      return { out: out.toArray(), grads, taken };
    });
  }

  for (const tail of ['relu', 'pool'] as Tail[]) {
    it(`${tail}: taken for the convolution's own output, with the values of the plain statistics pass`, () => {
      const direct = run(tail, 'direct');
      const copy = run(tail, 'copy');
      expect(direct.taken).toBe(true);
      expect(copy.taken).toBe(false);
      expect(direct.out).toEqual(copy.out);
      expect(direct.grads).toEqual(copy.grads);
    });
  }

  it('not taken once the output was written in place: the statistics are the new values', () => {
    const touched = run('relu', 'touch');
    expect(touched.taken).toBe(false);
    // Every value 0.25: zero variance, so each channel's output is relu(beta).
    const betas = randn(4, SEED + 34);
    const plane = 16 * 10;
    touched.out.forEach((v, i) => expect(v).toBe(Math.fround(Math.max(betas[Math.floor(i / plane) % 4], 0))));
  });
});
