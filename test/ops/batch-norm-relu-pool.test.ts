/**
 * batchNormReluMaxPool2d against maxPool2d(relu(batchNorm(x)), 2) on the cpu and reference
 * backends: pooled outputs, running statistics, gradients from the fused kernels, the
 * fallbacks (evaluation, odd or narrow planes), and a GraSP Hessian-vector product
 * through conv -> batchNormReluMaxPool2d, which takes the differentiable path.
 */
import type { BackendName, DType } from '../../lib/backend';
import { fromArray, ones, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { mismatch, rng, TEST_SEED } from './harness';

const { sqrt, log, cos, PI } = Math;

function randomValues(size: number, seed: number, offset = 0): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: size }, () => offset + sqrt(-2 * log(1 - r())) * cos(2 * PI * r()));
}

type Fn = (x: Tensor, opts: o.BatchNormOptions) => Tensor;
const fused: Fn = (x, opts) => o.batchNormReluMaxPool2d(x, opts);
const composed: Fn = (x, opts) => o.maxPool2d(o.relu(o.batchNorm(x, opts)), { kernelSize: 2 });

function expectMatch(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  const bad = mismatch(actual, expected, tol);
  if (bad) throw new Error(`${what}: ${bad}`);
}

/** One training step: output, running statistics, the op that made the output and gradients of sum(out R) + sum(out^2) / 2. */
function run(fn: Fn, shape: number[], affine: boolean, backend: BackendName, dtype: DType, seed: number) {
  return tidy(() => {
    const c = shape[1];
    const size = shape.reduce((a, b) => a * b, 1);
    const opts = { backend, dtype };
    const x = fromArray(randomValues(size, seed, 0.2), shape, opts).requiresGrad_();
    const gamma = affine ? fromArray(randomValues(c, seed + 1, 1), [c], opts).requiresGrad_() : null;
    const beta = affine ? fromArray(randomValues(c, seed + 2), [c], opts).requiresGrad_() : null;
    const runMean = fromArray(randomValues(c, seed + 3), [c], opts);
    const runVar = o.affine(ones([c], opts), 1.5, 0);
    const out = fn(x, { runningMean: runMean, runningVar: runVar, weight: gamma, bias: beta, training: true, momentum: 0.15, eps: 1e-4 });
    const w = fromArray(randomValues(out.size, seed + 4), out.shape, opts);
    const loss = o.sum(o.mul(o.add(w, o.mul(out, 0.5)), out));
    const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
    const grads = grad(loss, inputs).map((g) => Float64Array.from(g!.data()));
    return { op: out.gradFn!.op, shape: out.shape, out: Float64Array.from(out.data()), runMean: Float64Array.from(runMean.data()), runVar: Float64Array.from(runVar.data()), grads };
  });
}

const SHAPES: [number[], string][] = [
  [[2, 3, 16, 16], 'batchNormReluMaxPool2d'],
  [[1, 4, 32, 32], 'batchNormReluMaxPool2d'],
  [[3, 2, 4, 18], 'batchNormReluMaxPool2d'],
  [[5, 1, 2, 20], 'batchNormReluMaxPool2d'],
  [[2, 3, 8, 8], 'batchNormReluMaxPool2d'], // several window rows per vector step
  [[3, 2, 6, 10], 'batchNormReluMaxPool2d'], // window rows that do not fill a step
  [[2, 3, 4, 4], 'maxPool2d'], // narrow: unfused
  [[2, 3, 5, 17], 'maxPool2d'], // odd: unfused (floor windows)
];

describe.each(['cpu', 'reference'] as const)(`batchNormReluMaxPool2d on %s against the composition (seed ${TEST_SEED})`, (backend) => {
  test.each(SHAPES.flatMap(([s, op]) => [true, false].map((a) => [s, op, a] as const)))('x %j runs %s, affine %s', (shape, op, affine) => {
    const seed = TEST_SEED + shape.reduce((a, b) => a * 31 + b, 0);
    const f = run(fused, shape, affine, backend, 'float32', seed);
    const u = run(composed, shape, affine, backend, 'float32', seed);
    expect(f.op).toBe(op);
    expect(f.shape).toEqual(u.shape);
    expectMatch('out', f.out, u.out, 1e-5);
    expectMatch('running mean', f.runMean, u.runMean, 1e-6);
    expectMatch('running var', f.runVar, u.runVar, 1e-5);
    f.grads.forEach((g, i) => expectMatch(['gx', 'gweight', 'gbias'][i], g, u.grads[i], 1e-5));
  });
});

test(`batchNormReluMaxPool2d in float64 on the reference backend matches the composition to 1e-12 (seed ${TEST_SEED})`, () => {
  const f = run(fused, [3, 2, 6, 16], true, 'reference', 'float64', TEST_SEED);
  const u = run(composed, [3, 2, 6, 16], true, 'reference', 'float64', TEST_SEED);
  expect(f.op).toBe('batchNormReluMaxPool2d');
  expectMatch('out', f.out, u.out, 1e-12);
  f.grads.forEach((g, i) => expectMatch(`gradient ${i}`, g, u.grads[i], 1e-12));
});

test('batchNormReluMaxPool2d in evaluation mode is the composition', () => {
  tidy(() => {
    const x = fromArray(randomValues(2 * 3 * 4 * 16, TEST_SEED + 5), [2, 3, 4, 16], { backend: 'cpu' });
    const rm = fromArray([0.1, -0.2, 0.3], [3], { backend: 'cpu' });
    const rv = fromArray([0.5, 1.5, 2], [3], { backend: 'cpu' });
    const opts = { runningMean: rm, runningVar: rv, training: false };
    expect(Array.from(o.batchNormReluMaxPool2d(x, opts).data())).toEqual(Array.from(composed(x, opts).data()));
  });
});

/** Hessian-vector product of a conv -> BN + ReLU + pool -> conv -> BN + ReLU net's loss. */
function hvp(pooled: Fn, backend: BackendName, dtype: DType): Float64Array[] {
  return tidy(() => {
    const opts = { backend, dtype };
    const x = fromArray(randomValues(3 * 2 * 6 * 32, TEST_SEED + 100), [3, 2, 6, 32], opts);
    const shapes = [[4, 2, 3, 3], [4], [4], [3, 4, 3, 3], [3], [3]];
    const ps = shapes.map((s, i) => o.mul(fromArray(randomValues(s.reduce((a, b) => a * b, 1), TEST_SEED + 200 + i, i % 3 === 1 ? 2 : 0), s, opts), 0.5).requiresGrad_());
    const [w1, g1, b1, w2, g2, b2] = ps;
    const h = pooled(o.conv2d(x, w1, null, { padding: 1 }), { weight: g1, bias: b1, training: true });
    const y = o.batchNormRelu(o.conv2d(h, w2, null, { padding: 1 }), { weight: g2, bias: b2, training: true });
    const loss = o.crossEntropy(o.mean(y, [2, 3]), Int32Array.of(0, 2, 1));
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
] as const)(`GraSP Hessian-vector product through batchNormReluMaxPool2d on %s %s matches the unfused net (seed ${TEST_SEED})`, (backend, dtype, tol) => {
  const f = hvp(fused, backend, dtype);
  const u = hvp(composed, backend, dtype);
  f.forEach((h, i) => expectMatch(`parameter ${i}`, h, u[i], tol));
  expect(f.some((h) => h.some((v) => Math.abs(v) > 1e-6))).toBe(true);
});
