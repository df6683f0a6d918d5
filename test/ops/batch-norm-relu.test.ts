/**
 * batchNormRelu and reluGrad against their unfused compositions (relu(batchNorm(x)) and
 * gy * step(out)) on the cpu and reference backends: outputs, running statistics, first
 * gradients from the fused kernels, and Hessian-vector products (GraSP) through a
 * conv -> BN -> ReLU net, which take the differentiable path.
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

interface Run {
  out: Float64Array;
  runMean: Float64Array;
  runVar: Float64Array;
  grads: Float64Array[];
}

type Fn = (x: Tensor, opts: o.BatchNormOptions) => Tensor;
const fused: Fn = (x, opts) => o.batchNormRelu(x, opts);
const composed: Fn = (x, opts) => o.relu(o.batchNorm(x, opts));

/** One training step of fn: output, running statistics and the gradients of sum(out * R) + sum(out^2) / 2. */
function run(fn: Fn, shape: number[], affine: boolean, backend: BackendName, dtype: DType, seed: number): Run {
  return tidy(() => {
    const c = shape[1];
    const size = shape.reduce((a, b) => a * b, 1);
    const opts = { backend, dtype };
    const x = fromArray(randomValues(size, seed, 0.3), shape, opts).requiresGrad_();
    const gamma = affine ? fromArray(randomValues(c, seed + 1, 1), [c], opts).requiresGrad_() : null;
    const beta = affine ? fromArray(randomValues(c, seed + 2), [c], opts).requiresGrad_() : null;
    const runMean = fromArray(randomValues(c, seed + 3), [c], opts);
    const runVar = o.affine(ones([c], opts), 1.5, 0);
    const out = fn(x, { runningMean: runMean, runningVar: runVar, weight: gamma, bias: beta, training: true, momentum: 0.15, eps: 1e-4 });
    const w = fromArray(randomValues(size, seed + 4), shape, opts);
    const loss = o.sum(o.mul(o.add(w, o.mul(out, 0.5)), out));
    const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
    const grads = grad(loss, inputs).map((g) => Float64Array.from(g!.data()));
    return { out: Float64Array.from(out.data()), runMean: Float64Array.from(runMean.data()), runVar: Float64Array.from(runVar.data()), grads };
  });
}

function expectMatch(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  const bad = mismatch(actual, expected, tol);
  if (bad) throw new Error(`${what}: ${bad}`);
}

const SHAPES: number[][] = [
  [1, 3, 5, 7],
  [3, 1, 1, 1],
  [2, 3, 1, 1],
  [5, 7, 3, 2],
  [8, 16, 9, 9],
  [7, 3],
  [4, 5, 32, 32],
];

describe.each(['cpu', 'reference'] as const)(`batchNormRelu on %s against relu(batchNorm) (seed ${TEST_SEED})`, (backend) => {
  test.each(SHAPES.flatMap((s) => [true, false].map((a) => [s, a] as const)))('x %j affine %s', (shape, affine) => {
    const seed = TEST_SEED + shape.reduce((a, b) => a * 31 + b, 0);
    const f = run(fused, shape, affine, backend, 'float32', seed);
    const u = run(composed, shape, affine, backend, 'float32', seed);
    expectMatch('out', f.out, u.out, 1e-5);
    expectMatch('running mean', f.runMean, u.runMean, 1e-6);
    expectMatch('running var', f.runVar, u.runVar, 1e-5);
    // With two elements per channel ([2, 3, 1, 1]) x's gradient is a difference of terms
    // up to invstd times its size, which float32 rounds apart by ~3e-5 on some seeds (the
    // reference backend as the native one): a looser bound there, the usual one elsewhere.
    const perChannel = f.out.length / shape[1];
    f.grads.forEach((g, i) => expectMatch(['gx', 'gweight', 'gbias'][i], g, u.grads[i], perChannel < 4 ? 2e-4 : 1e-5));
    // Both sides of the ReLU are exercised (tiny inputs may fall on one side only).
    if (f.out.length >= 30) expect(f.out.some((v) => v === 0) && f.out.some((v) => v > 0)).toBe(true);
  });
});

test(`batchNormRelu in float64 on the reference backend matches the composition to 1e-12 (seed ${TEST_SEED})`, () => {
  const f = run(fused, [3, 4, 5, 2], true, 'reference', 'float64', TEST_SEED);
  const u = run(composed, [3, 4, 5, 2], true, 'reference', 'float64', TEST_SEED);
  expectMatch('out', f.out, u.out, 1e-12);
  f.grads.forEach((g, i) => expectMatch(`gradient ${i}`, g, u.grads[i], 1e-12));
});

test('batchNormRelu falls back to the composition on a backend without the fused kernels', () => {
  const be = backendByName('reference') as unknown as Record<string, unknown>;
  const saved = be.batchNormReluTrainForward;
  const want = run(composed, [2, 3, 4, 5], true, 'reference', 'float32', TEST_SEED + 9);
  be.batchNormReluTrainForward = undefined;
  try {
    const got = run(fused, [2, 3, 4, 5], true, 'reference', 'float32', TEST_SEED + 9);
    expect(Array.from(got.out)).toEqual(Array.from(want.out));
    got.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want.grads[i])));
  } finally {
    be.batchNormReluTrainForward = saved;
  }
});

test('batchNormRelu in evaluation mode and without grad', () => {
  tidy(() => {
    const x = fromArray(randomValues(2 * 3 * 4, TEST_SEED + 5), [2, 3, 4], { backend: 'cpu' });
    const rm = fromArray([0.1, -0.2, 0.3], [3], { backend: 'cpu' });
    const rv = fromArray([0.5, 1.5, 2], [3], { backend: 'cpu' });
    const evalOut = o.batchNormRelu(x, { runningMean: rm, runningVar: rv, training: false });
    expectMatch('eval', evalOut.data(), o.relu(o.batchNorm(x, { runningMean: rm, runningVar: rv, training: false })).data(), 1e-7);
    const rm2 = zeros([3], { backend: 'cpu' });
    const rv2 = ones([3], { backend: 'cpu' });
    const y = noGrad(() => o.batchNormRelu(x, { runningMean: rm2, runningVar: rv2, training: true }));
    expect(y.requiresGrad).toBe(false);
    const rm3 = zeros([3], { backend: 'cpu' });
    const rv3 = ones([3], { backend: 'cpu' });
    const z = o.relu(o.batchNorm(x, { runningMean: rm3, runningVar: rv3, training: true }));
    expectMatch('no-grad out', y.data(), z.data(), 1e-6);
    expectMatch('no-grad running mean', rm2.data(), rm3.data(), 1e-7);
    expectMatch('no-grad running var', rv2.data(), rv3.data(), 1e-7);
  });
});

test('batchNormRelu argument errors name the op', () => {
  const x = zeros([2, 3, 4], { backend: 'cpu' });
  expect(() => o.batchNormRelu(x, { training: true, weight: zeros([2], { backend: 'cpu' }) })).toThrow(/batchNormRelu: weight \[2\] must have 3 entries/);
  expect(() => o.batchNormRelu(zeros([1, 3, 1], { backend: 'cpu' }), { training: true })).toThrow(/batchNormRelu: training needs more than one value/);
  expect(() => o.batchNormRelu(zeros([3], { backend: 'cpu' }), { training: true })).toThrow(RangeError);
  expect(() => o.batchNormRelu(x, { training: false })).toThrow(/evaluation needs runningMean/);
  expect(() => o.batchNormRelu(x, { training: true, bias: zeros([3], { backend: 'reference' }) })).toThrow(TypeError);
});

/** Hessian-vector product (GraSP's Hg) of a conv -> BN(+ReLU) -> conv -> BN(+ReLU) net's loss. */
function hvp(fn: Fn, backend: BackendName, dtype: DType): Float64Array[] {
  return tidy(() => {
    const opts = { backend, dtype };
    const x = fromArray(randomValues(3 * 2 * 6 * 5, TEST_SEED + 100), [3, 2, 6, 5], opts);
    const shapes = [[4, 2, 3, 3], [4], [4], [3, 4, 3, 3], [3], [3]];
    const ps = shapes.map((s, i) => o.mul(fromArray(randomValues(s.reduce((a, b) => a * b, 1), TEST_SEED + 200 + i, i % 3 === 1 ? 2 : 0), s, opts), 0.5).requiresGrad_());
    const [w1, g1, b1, w2, g2, b2] = ps;
    const labels = Int32Array.of(0, 2, 1);
    const bnOpts = (g: Tensor, b: Tensor) => ({ weight: g, bias: b, training: true });
    const h = fn(o.conv2d(x, w1, null, { padding: 1 }), bnOpts(g1, b1));
    const y = fn(o.conv2d(h, w2, null, { padding: 1 }), bnOpts(g2, b2));
    const loss = o.crossEntropy(o.mean(y, [2, 3]), labels);
    const gs = grad(loss, ps, { createGraph: true });
    const r = rng(TEST_SEED + 11);
    let dot = o.sum(o.mul(gs[0]!, fromArray(Float64Array.from({ length: ps[0].size }, () => r() * 2 - 1), ps[0].shape, opts)));
    for (let i = 1; i < gs.length; i++) dot = o.add(dot, o.sum(o.mul(gs[i]!, fromArray(Float64Array.from({ length: ps[i].size }, () => r() * 2 - 1), ps[i].shape, opts))));
    return grad(dot, ps).map((g) => Float64Array.from(g!.data()));
  });
}

test.each([
  ['cpu', 'float32', 2e-4],
  ['reference', 'float64', 1e-10],
] as const)(`GraSP Hessian-vector product through conv -> batchNormRelu on %s %s matches the unfused net (seed ${TEST_SEED})`, (backend, dtype, tol) => {
  const f = hvp(fused, backend, dtype);
  const u = hvp(composed, backend, dtype);
  f.forEach((h, i) => expectMatch(`parameter ${i}`, h, u[i], tol));
  expect(f.some((h) => h.some((v) => Math.abs(v) > 1e-6))).toBe(true);
});

describe('reluGrad', () => {
  test.each(['cpu', 'reference'] as const)('%s: out > 0 ? gy : 0, and linear in gy under createGraph', (backend) => {
    tidy(() => {
      const opts = { backend };
      const size = 3 * 211;
      const outV = randomValues(size, TEST_SEED + 31).map((v) => (v < 0 ? 0 : v));
      const out = fromArray(outV, [3, 211], opts);
      const gy = fromArray(randomValues(size, TEST_SEED + 32), [3, 211], opts).requiresGrad_();
      const gx = o.reluGrad(gy, out);
      const gyV = gy.data();
      expect(Array.from(gx.data())).toEqual(Array.from(gyV, (v, i) => (outV[i] > 0 ? v : 0)));
      // d/dgy sum(gx * w) = w where out > 0.
      const w = fromArray(randomValues(size, TEST_SEED + 33), [3, 211], opts);
      const [g] = grad(o.sum(o.mul(gx, w)), [gy]);
      const wV = w.data();
      expect(Array.from(g!.data())).toEqual(Array.from(wV, (v, i) => (outV[i] > 0 ? v : 0)));
    });
  });

  test('shape and backend errors', () => {
    const a = zeros([2, 3], { backend: 'cpu' });
    expect(() => o.reluGrad(a, zeros([3, 2], { backend: 'cpu' }))).toThrow(/reluGrad: gy \[2, 3\] must have the shape of out \[3, 2\]/);
    expect(() => o.reluGrad(a, zeros([2, 3], { backend: 'reference' }))).toThrow(TypeError);
  });
});
