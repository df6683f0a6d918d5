/**
 * batchNormAddRelu against its unfused composition relu(batchNorm(z) + [scale ⊙] r) on the
 * cpu and reference backends: outputs, running statistics, first gradients from the fused
 * kernels (z, the residual, the scale, gamma, beta), evaluation / no-grad / missing-kernel
 * fallbacks, and Hessian-vector products (GraSP) through a small residual block, which take
 * the differentiable path.
 */
import type { BackendName, DType } from '../../lib/backend';
import { backendByName } from '../../lib/backend';
import { fromArray, ones, tidy, zeros, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad, noGrad } from '../../lib/autograd';
import { mismatch, rng, TEST_SEED } from './harness';

const { sqrt, log, cos, PI } = Math;

function randomValues(size: number, seed: number, offset = 0): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: size }, () => offset + sqrt(-2 * log(1 - r())) * cos(2 * PI * r()));
}

type Fn = (z: Tensor, r: Tensor, opts: o.BatchNormOptions, scale: Tensor | null) => Tensor;
const fused: Fn = (z, r, opts, scale) => o.batchNormAddRelu(z, r, opts, scale);
const composed: Fn = (z, r, opts, scale) => o.relu(o.add(o.batchNorm(z, opts), scale ? o.mul(r, scale) : r));

interface Run {
  out: Float64Array;
  runMean: Float64Array;
  runVar: Float64Array;
  grads: Float64Array[];
  /** Per element of gz, |gamma| invstd 3 max|g| (g = the gradient reaching the ReLU): its terms' size. */
  gzScale: Float64Array;
}

/** The size of gz's terms: batch norm's gradient cancels them (badly with few values per channel). */
function gzScale(z: Float64Array, shape: number[], gamma: Float64Array | null, gMax: number, eps: number): Float64Array {
  const [n, c] = shape;
  const hw = z.length / (n * c);
  const out = new Float64Array(z.length);
  for (let ch = 0; ch < c; ch++) {
    const idx = (b: number, i: number) => (b * c + ch) * hw + i;
    let s = 0, v = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) s += z[idx(b, i)];
    const mu = s / (n * hw);
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) v += (z[idx(b, i)] - mu) ** 2;
    const k = Math.abs(gamma ? gamma[ch] : 1) / Math.sqrt(v / (n * hw) + eps);
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) out[idx(b, i)] = 3 * k * gMax;
  }
  return out;
}

/** One training step: output, running statistics and the gradients of sum(out * W) + sum(out^2) / 2. */
function run(fn: Fn, shape: number[], affine: boolean, scaled: boolean, backend: BackendName, dtype: DType, seed: number): Run {
  return tidy(() => {
    const c = shape[1];
    const size = shape.reduce((a, b) => a * b, 1);
    const opts = { backend, dtype };
    const z = fromArray(randomValues(size, seed, 0.3), shape, opts).requiresGrad_();
    const r = fromArray(randomValues(size, seed + 5), shape, opts).requiresGrad_();
    const sShape = [c, ...shape.slice(2).map(() => 1)];
    const scale = scaled ? fromArray(randomValues(c, seed + 6, 1), sShape, opts).requiresGrad_() : null;
    const gamma = affine ? fromArray(randomValues(c, seed + 1, 1), [c], opts).requiresGrad_() : null;
    const beta = affine ? fromArray(randomValues(c, seed + 2), [c], opts).requiresGrad_() : null;
    const runMean = fromArray(randomValues(c, seed + 3), [c], opts);
    const runVar = o.affine(ones([c], opts), 1.5, 0);
    const out = fn(z, r, { runningMean: runMean, runningVar: runVar, weight: gamma, bias: beta, training: true, momentum: 0.15, eps: 1e-4 }, scale);
    const w = fromArray(randomValues(size, seed + 4), shape, opts);
    const loss = o.sum(o.mul(o.add(w, o.mul(out, 0.5)), out));
    const inputs = [z, r, ...(scale ? [scale] : []), ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
    const grads = grad(loss, inputs).map((g) => Float64Array.from(g!.data()));
    const gMax = Math.max(...Array.from(o.add(w, out).data(), Math.abs));
    const zScale = gzScale(Float64Array.from(z.data()), shape, gamma ? Float64Array.from(gamma.data()) : null, gMax, 1e-4);
    return { out: Float64Array.from(out.data()), runMean: Float64Array.from(runMean.data()), runVar: Float64Array.from(runVar.data()), grads, gzScale: zScale };
  });
}

function expectMatch(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  const bad = mismatch(actual, expected, tol);
  if (bad) throw new Error(`${what}: ${bad}`);
}

/** |actual - expected| <= tol (1 + scale[i]) elementwise: for results that cancel terms of size scale. */
function expectMatchScaled(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, scale: ArrayLike<number>): void {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + scale[i]))) {
      throw new Error(`${what}: index ${i}: got ${actual[i]}, expected ${expected[i]} (terms of size ${scale[i]}; seed ${TEST_SEED})`);
    }
  }
}

const SHAPES: number[][] = [
  [1, 3, 5, 7],
  [3, 1, 1, 1],
  [2, 3, 1, 1],
  [5, 7, 3, 2],
  [19, 3, 8, 8],
  [7, 3],
  [3, 5, 13, 11],
];

const names = (scaled: boolean, affine: boolean) => ['gz', 'gresidual', ...(scaled ? ['gscale'] : []), ...(affine ? ['gweight', 'gbias'] : [])];

describe.each(['cpu', 'reference'] as const)(`batchNormAddRelu on %s against relu(batchNorm(z) + s r) (seed ${TEST_SEED})`, (backend) => {
  const variants = SHAPES.flatMap((s) => [true, false].flatMap((a) => [true, false].map((sc) => [s, a, sc] as const)));
  test.each(variants)('z %j affine %s scaled %s', (shape, affine, scaled) => {
    const seed = TEST_SEED + shape.reduce((a, b) => a * 31 + b, 0);
    const f = run(fused, shape, affine, scaled, backend, 'float32', seed);
    const u = run(composed, shape, affine, scaled, backend, 'float32', seed);
    expectMatch('out', f.out, u.out, 1e-5);
    expectMatch('running mean', f.runMean, u.runMean, 1e-6);
    expectMatch('running var', f.runVar, u.runVar, 1e-5);
    const what = names(scaled, affine);
    expect(f.grads.length).toBe(what.length);
    f.grads.forEach((g, i) => (i === 0 ? expectMatchScaled : expectMatch)(what[i], g, u.grads[i], 1e-5, f.gzScale));
    if (f.out.length >= 30) expect(f.out.some((v) => v === 0) && f.out.some((v) => v > 0)).toBe(true);
  });
});

test.each([false, true])(`batchNormAddRelu in float64 on the reference backend matches the composition to 1e-12, scaled %s (seed ${TEST_SEED})`, (scaled) => {
  const f = run(fused, [3, 4, 5, 2], true, scaled, 'reference', 'float64', TEST_SEED);
  const u = run(composed, [3, 4, 5, 2], true, scaled, 'reference', 'float64', TEST_SEED);
  expectMatch('out', f.out, u.out, 1e-12);
  f.grads.forEach((g, i) => expectMatch(`gradient ${i}`, g, u.grads[i], 1e-12));
});

test('batchNormAddRelu takes a [c] scale as well as [c, 1, 1]', () => {
  tidy(() => {
    const z = fromArray(randomValues(2 * 3 * 4, TEST_SEED + 40), [2, 3, 2, 2], { backend: 'cpu' });
    const r = fromArray(randomValues(2 * 3 * 4, TEST_SEED + 41), [2, 3, 2, 2], { backend: 'cpu' });
    const s = fromArray([0.5, -1, 2], [3], { backend: 'cpu' });
    const a = o.batchNormAddRelu(z, r, { training: true }, s);
    const b = o.batchNormAddRelu(z, r, { training: true }, s.reshape(3, 1, 1));
    const e = o.batchNormAddRelu(z, r, { training: false, runningMean: zeros([3], { backend: 'cpu' }), runningVar: ones([3], { backend: 'cpu' }) }, s);
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    expect(e.shape).toEqual([2, 3, 2, 2]);
  });
});

test.each(['batchNormAddReluTrainForward', 'batchNormAddReluBackward'])('batchNormAddRelu falls back to the composition on a backend without %s', (kernel) => {
  const be = backendByName('reference') as unknown as Record<string, unknown>;
  const saved = be[kernel];
  const want = run(composed, [2, 3, 4, 5], true, true, 'reference', 'float32', TEST_SEED + 9);
  be[kernel] = undefined;
  try {
    const got = run(fused, [2, 3, 4, 5], true, true, 'reference', 'float32', TEST_SEED + 9);
    expect(Array.from(got.out)).toEqual(Array.from(want.out));
    got.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want.grads[i])));
  } finally {
    be[kernel] = saved;
  }
});

test('batchNormAddRelu in evaluation mode and without grad', () => {
  tidy(() => {
    const cpu = { backend: 'cpu' as const };
    const z = fromArray(randomValues(2 * 3 * 4, TEST_SEED + 5), [2, 3, 4], cpu);
    const r = fromArray(randomValues(2 * 3 * 4, TEST_SEED + 6), [2, 3, 4], cpu);
    const s = fromArray([0.5, -1, 2], [3, 1], cpu);
    const rm = fromArray([0.1, -0.2, 0.3], [3], cpu);
    const rv = fromArray([0.5, 1.5, 2], [3], cpu);
    const evalOut = o.batchNormAddRelu(z, r, { runningMean: rm, runningVar: rv, training: false }, s);
    expectMatch('eval', evalOut.data(), composed(z, r, { runningMean: rm, runningVar: rv, training: false }, s).data(), 1e-7);
    const [rm2, rv2, rm3, rv3] = [zeros([3], cpu), ones([3], cpu), zeros([3], cpu), ones([3], cpu)];
    const y = noGrad(() => o.batchNormAddRelu(z, r, { runningMean: rm2, runningVar: rv2, training: true }, s));
    expect(y.requiresGrad).toBe(false);
    const want = composed(z, r, { runningMean: rm3, runningVar: rv3, training: true }, s);
    expectMatch('no-grad out', y.data(), want.data(), 1e-6);
    expectMatch('no-grad running mean', rm2.data(), rm3.data(), 1e-7);
    expectMatch('no-grad running var', rv2.data(), rv3.data(), 1e-7);
  });
});

test('batchNormAddRelu argument errors name the op', () => {
  const cpu = { backend: 'cpu' as const };
  const z = zeros([2, 3, 4], cpu);
  expect(() => o.batchNormAddRelu(z, zeros([2, 3, 5], cpu), { training: true })).toThrow(/batchNormAddRelu: residual \[2, 3, 5\] must have the shape of z \[2, 3, 4\]/);
  expect(() => o.batchNormAddRelu(z, zeros([2, 3, 4], { backend: 'reference' }), { training: true })).toThrow(TypeError);
  expect(() => o.batchNormAddRelu(z, z, { training: true }, zeros([2], cpu))).toThrow(/batchNormAddRelu: scale \[2\] must be \[3\]/);
  expect(() => o.batchNormAddRelu(z, z, { training: true }, zeros([1, 3], cpu))).toThrow(RangeError);
  expect(() => o.batchNormAddRelu(z, z, { training: true, weight: zeros([2], cpu) })).toThrow(/batchNormAddRelu: weight \[2\] must have 3 entries/);
  expect(() => o.batchNormAddRelu(z, null as unknown as Tensor, { training: true })).toThrow(/batchNormAddRelu: 'residual' must be a Tensor/);
});

/**
 * Hessian-vector product (GraSP's Hg) of a small residual block's loss: conv -> BN + ReLU
 * -> conv -> the tail (BN + s x or + a 1x1 conv's output, ReLU), parameters all around.
 */
function hvp(fn: Fn, scaled: boolean, backend: BackendName, dtype: DType): Float64Array[] {
  return tidy(() => {
    const opts = { backend, dtype };
    const x = fromArray(randomValues(3 * 2 * 6 * 5, TEST_SEED + 100), [3, 2, 6, 5], opts).requiresGrad_();
    const shapes = [[2, 2, 3, 3], [2], [2], [2, 2, 3, 3], [2], [2], scaled ? [2, 1, 1] : [2, 2, 1, 1]];
    const ps = shapes.map((s, i) => o.mul(fromArray(randomValues(s.reduce((a, b) => a * b, 1), TEST_SEED + 200 + i, i % 3 === 1 ? 2 : 0), s, opts), 0.5).requiresGrad_());
    const [w1, g1, b1, w2, g2, b2, sc] = ps;
    const h = o.batchNormRelu(o.conv2d(x, w1, null, { padding: 1 }), { weight: g1, bias: b1, training: true });
    const z = o.conv2d(h, w2, null, { padding: 1 });
    const bn = { weight: g2, bias: b2, training: true };
    const y = scaled ? fn(z, x, bn, sc) : fn(z, o.conv2d(x, sc, null), bn, null);
    const loss = o.crossEntropy(o.mean(y, [2, 3]), Int32Array.of(0, 1, 1));
    const wrt = [...ps, x];
    const gs = grad(loss, wrt, { createGraph: true });
    const r = rng(TEST_SEED + 11);
    let dot = o.sum(o.mul(gs[0]!, fromArray(Float64Array.from({ length: wrt[0].size }, () => r() * 2 - 1), wrt[0].shape, opts)));
    for (let i = 1; i < gs.length; i++) dot = o.add(dot, o.sum(o.mul(gs[i]!, fromArray(Float64Array.from({ length: wrt[i].size }, () => r() * 2 - 1), wrt[i].shape, opts))));
    return grad(dot, wrt).map((g) => Float64Array.from(g!.data()));
  });
}

test.each([
  ['cpu', 'float32', 2e-4, true],
  ['cpu', 'float32', 2e-4, false],
  ['reference', 'float64', 1e-10, true],
  ['reference', 'float64', 1e-10, false],
] as const)(`GraSP Hessian-vector product through a residual block on %s %s (scaled %s) matches the unfused block (seed ${TEST_SEED})`, (backend, dtype, tol, scaled) => {
  const f = hvp(fused, scaled, backend, dtype);
  const u = hvp(composed, scaled, backend, dtype);
  f.forEach((h, i) => expectMatch(`parameter ${i}`, h, u[i], tol));
  expect(f.some((h) => h.some((v) => Math.abs(v) > 1e-6))).toBe(true);
});
