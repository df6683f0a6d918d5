// Autograd ops of compressed layers: values and gradients (first and second order) equal
// those of the dense layer with the mask applied, on the cpu (native) and reference
// backends, in float32 and float64 (and on cuda in float32, with PAI_TEST_CUDA=1); a small
// compressed network trains like its dense twin.
import { grad } from '../../lib/autograd';
import { isBackendAvailable } from '../../lib/backend';
import type { BackendName, DType } from '../../lib/backend/backend';
import { compressWeight, decompressWeight, type CompressedWeight } from '../../lib/backend/sparse/compressed';
import { compressValues } from '../../lib/backend/sparse/pattern';
import { add, conv2d, linear, mul, relu, sum } from '../../lib/ops';
import { sparseConv2d } from '../../lib/ops/sparse-conv2d';
import { sparseLinear } from '../../lib/ops/sparse-linear';
import { fromArray } from '../../lib/tensor';
import type { Tensor } from '../../lib/tensor/tensor';
import { randomMask, relError } from './dense-masked';
import { randn, seededRandom } from './seeded-random';

const backends: BackendName[] = (['cpu', 'reference'] as BackendName[]).filter((b) => isBackendAvailable(b));
// The GPU's kernels (float32 only) where one is present and asked for (scripts/cuda/test.sh).
const withCuda: BackendName[] = process.env.PAI_TEST_CUDA === '1' && isBackendAvailable('cuda') ? [...backends, 'cuda'] : backends;

interface Setup {
  dense: Tensor; // W, requiresGrad
  mask: Tensor;
  cw: CompressedWeight;
  values: Tensor; // requiresGrad
}

function setup(shape: number[], density: number, seed: number, opts: { backend: BackendName; dtype: DType }): Setup {
  const size = shape.reduce((a, b) => a * b, 1);
  // Kaiming-like scale keeps the small training run stable.
  const w = randn(size, seed).map((v) => v * Math.sqrt(2 / (size / shape[0])));
  const m = randomMask(size, density, seededRandom(seed + 1), 1);
  const { weight: cw, values } = compressWeight(w, m, shape);
  return {
    dense: fromArray(w, shape, { ...opts, requiresGrad: true }),
    mask: fromArray(m, shape, opts),
    cw,
    values: fromArray(values, [cw.pattern.nnz], { ...opts, requiresGrad: true }),
  };
}

/** The survivors of a dense gradient, in float64. */
const packed = (cw: CompressedWeight, t: Tensor) => compressValues(cw.pattern, t.data(), new Float64Array(cw.pattern.nnz));

const tol = (dtype: DType) => (dtype === 'float64' ? 1e-10 : 3e-5);

for (const backend of withCuda)
  for (const dtype of (backend === 'cuda' ? ['float32'] : ['float32', 'float64']) as DType[]) {
    const opts = { backend, dtype };
    describe(`${backend} ${dtype}`, () => {
      test('sparseLinear: forward, gradients and a second-order gradient equal dense-masked', () => {
        const s = setup([7, 11], 0.3, 1, opts);
        const x = fromArray(randn(5 * 2 * 11, 2), [5, 2, 11], { ...opts, requiresGrad: true });
        const b = fromArray(randn(7, 3), [7], { ...opts, requiresGrad: true });
        const r = fromArray(randn(5 * 2 * 7, 4), [5, 2, 7], opts);
        const wm = mul(s.dense, s.mask);
        const yd = linear(x, wm, b);
        const ys = sparseLinear(x, s.cw, s.values, b);
        expect(ys.shape).toEqual([5, 2, 7]);
        expect(relError(ys.data(), yd.data())).toBeLessThan(tol(dtype));
        // Gradients with createGraph, then the gradient of |dL/dx|^2 (a Hessian-vector product).
        const [gxd, gwd, gbd] = grad(sum(mul(yd, r)), [x, s.dense, b], { createGraph: true }) as Tensor[];
        const [gxs, gvs, gbs] = grad(sum(mul(ys, r)), [x, s.values, b], { createGraph: true }) as Tensor[];
        expect(relError(gxs.data(), gxd.data())).toBeLessThan(tol(dtype));
        expect(relError(gvs.data(), packed(s.cw, mul(gwd, s.mask)))).toBeLessThan(tol(dtype));
        expect(relError(gbs.data(), gbd.data())).toBeLessThan(tol(dtype));
        const [hd] = grad(sum(mul(gxd, gxd)), [s.dense]) as Tensor[];
        const [hs] = grad(sum(mul(gxs, gxs)), [s.values]) as Tensor[];
        expect(relError(hs.data(), packed(s.cw, mul(hd, s.mask)))).toBeLessThan(tol(dtype));
        const [hxd] = grad(sum(mul(gvs, gvs)), [x]) as Tensor[];
        const [hxdDense] = grad(sum(mul(mul(gwd, s.mask), mul(gwd, s.mask))), [x]) as Tensor[];
        expect(relError(hxd.data(), hxdDense.data())).toBeLessThan(tol(dtype));
      });

      test('sparseConv2d: forward, gradients and a second-order gradient equal dense-masked', () => {
        const s = setup([6, 2, 3, 3], 0.4, 5, opts);
        const x = fromArray(randn(2 * 4 * 7 * 6, 6), [2, 4, 7, 6], { ...opts, requiresGrad: true });
        const b = fromArray(randn(6, 7), [6], { ...opts, requiresGrad: true });
        const conv = { stride: [2, 1] as [number, number], padding: 1, groups: 2 };
        const wm = mul(s.dense, s.mask);
        const yd = conv2d(x, wm, b, conv);
        const ys = sparseConv2d(x, s.cw, s.values, b, conv);
        expect(ys.shape).toEqual(yd.shape);
        expect(relError(ys.data(), yd.data())).toBeLessThan(tol(dtype));
        const r = fromArray(randn(yd.size, 8), yd.shape, opts);
        const [gxd, gwd, gbd] = grad(sum(mul(yd, r)), [x, s.dense, b], { createGraph: true }) as Tensor[];
        const [gxs, gvs, gbs] = grad(sum(mul(ys, r)), [x, s.values, b], { createGraph: true }) as Tensor[];
        expect(relError(gxs.data(), gxd.data())).toBeLessThan(tol(dtype));
        expect(relError(gvs.data(), packed(s.cw, mul(gwd, s.mask)))).toBeLessThan(tol(dtype));
        expect(relError(gbs.data(), gbd.data())).toBeLessThan(tol(dtype));
        const [hd] = grad(sum(mul(gxd, gxd)), [s.dense]) as Tensor[];
        const [hs] = grad(sum(mul(gxs, gxs)), [s.values]) as Tensor[];
        expect(relError(hs.data(), packed(s.cw, mul(hd, s.mask)))).toBeLessThan(tol(dtype));
        const [hxs] = grad(sum(mul(gvs, gvs)), [x]) as Tensor[];
        const [hxd] = grad(sum(mul(mul(gwd, s.mask), mul(gwd, s.mask))), [x]) as Tensor[];
        expect(relError(hxs.data(), hxd.data())).toBeLessThan(tol(dtype));
      });
    });
  }

test('a compressed two-layer network trains exactly like its dense-masked twin', () => {
  const opts = { backend: backends[0], dtype: 'float32' as DType };
  const l1 = setup([16, 1, 3, 3], 0.5, 11, opts);
  const l2 = setup([3, 16 * 6 * 6], 0.1, 12, opts);
  const x = fromArray(randn(8 * 36, 13), [8, 1, 6, 6], opts);
  const target = fromArray(randn(8 * 3, 14), [8, 3], opts);
  const lr = 0.01;
  const step = (params: Tensor[], forward: () => Tensor): number => {
    const loss = forward();
    const gs = grad(loss, params) as Tensor[];
    for (let i = 0; i < params.length; i++) {
      const p = params[i].data();
      const g = gs[i].data();
      for (let k = 0; k < p.length; k++) p[k] -= lr * g[k];
    }
    return loss.item();
  };
  const sq = (y: Tensor) => sum(mul(add(y, mul(target, -1)), add(y, mul(target, -1))));
  const dense = () => sq(linear(relu(conv2d(x, mul(l1.dense, l1.mask), null, { padding: 1 })).reshape(8, -1), mul(l2.dense, l2.mask)));
  const sparse = () => sq(sparseLinear(relu(sparseConv2d(x, l1.cw, l1.values, null, { padding: 1 })).reshape(8, -1), l2.cw, l2.values));
  const lossesD: number[] = [], lossesS: number[] = [];
  for (let it = 0; it < 10; it++) {
    lossesD.push(step([l1.dense, l2.dense], dense));
    lossesS.push(step([l1.values, l2.values], sparse));
  }
  expect(lossesS[9]).toBeLessThan(lossesS[0] * 0.8);
  for (let it = 0; it < 10; it++) expect(Math.abs(lossesS[it] - lossesD[it]) / lossesD[it]).toBeLessThan(1e-4);
  const w1 = mul(l1.dense, l1.mask).data();
  expect(relError(decompressWeight(l1.cw, l1.values.data()), w1)).toBeLessThan(1e-4);
});

test('values of the wrong length and device tensors are rejected', () => {
  const s = setup([3, 4], 0.5, 1, { backend: backends[0], dtype: 'float32' });
  const x = fromArray(randn(8, 2), [2, 4], { backend: backends[0] });
  const bad = fromArray(new Float32Array(s.cw.pattern.nnz + 1), [s.cw.pattern.nnz + 1], { backend: backends[0] });
  expect(() => sparseLinear(x, s.cw, bad)).toThrow(/sparseLinear: values \[\d+\] must be/);
  expect(() => sparseLinear(fromArray(randn(6, 2), [2, 3], { backend: backends[0] }), s.cw, s.values)).toThrow(/must end in 4 features/);
  expect(() => sparseConv2d(x, s.cw, s.values)).toThrow(/must be \[n, c, h, w\]/);
});
