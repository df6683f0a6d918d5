/**
 * Hessian-vector products through whole networks (what GraSP computes): a small MLP and a
 * small conv net with batch norm, in float64, against central differences of gradients.
 */
import { fromArray, randn, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { mismatch, rng, TEST_SEED } from '../ops/harness';

const F64 = { backend: 'reference' as const, dtype: 'float64' as const };

function params(shapes: number[][], seed: number): Tensor[] {
  return shapes.map((s, i) => o.mul(randn(s, { ...F64, seed: seed + i }), 0.5).requiresGrad_());
}

function hvpCheck(loss: (ps: Tensor[]) => Tensor, ps: Tensor[]): void {
  const r = rng(TEST_SEED + 11);
  const vs = ps.map((p) => fromArray(Float64Array.from({ length: p.size }, () => r() * 2 - 1), p.shape, F64));
  const hv = tidy(() => {
    const gs = grad(loss(ps), ps, { createGraph: true });
    let dot = o.sum(o.mul(gs[0]!, vs[0]));
    for (let i = 1; i < gs.length; i++) dot = o.add(dot, o.sum(o.mul(gs[i]!, vs[i])));
    return grad(dot, ps).map((h) => Float64Array.from(h!.data()));
  });
  const h = 1e-5;
  const gradsAt = (sign: number) =>
    tidy(() => {
      const shifted = ps.map((p, i) => o.add(p.detach(), o.mul(vs[i], sign * h)).requiresGrad_());
      return grad(loss(shifted), shifted).map((g) => Float64Array.from(g!.data()));
    });
  const gp = gradsAt(1);
  const gm = gradsAt(-1);
  hv.forEach((hvi, i) => {
    const numeric = gp[i].map((v, j) => (v - gm[i][j]) / (2 * h));
    const bad = mismatch(hvi, numeric, 1e-5);
    if (bad) throw new Error(`parameter ${i}: ${bad}`);
  });
  // A non-trivial check: the product is not zero.
  expect(hv.some((a) => a.some((v) => Math.abs(v) > 1e-6))).toBe(true);
}

test(`Hessian-vector product of a small MLP (seed ${TEST_SEED})`, () => {
  const x = randn([6, 5], { ...F64, seed: TEST_SEED });
  const labels = Int32Array.of(0, 2, 1, 2, 0, 1);
  const ps = params([[7, 5], [7], [3, 7], [3]], TEST_SEED + 1);
  hvpCheck(([w1, b1, w2, b2]) => o.crossEntropy(o.linear(o.relu(o.linear(x, w1, b1)), w2, b2), labels), ps);
});

test(`Hessian-vector product of a small conv net with batch norm (seed ${TEST_SEED})`, () => {
  const x = randn([3, 2, 6, 5], { ...F64, seed: TEST_SEED + 100 });
  const labels = Int32Array.of(1, 0, 3);
  const ps = params([[4, 2, 3, 3], [4], [4], [4, 24], [4]], TEST_SEED + 200);
  const rm = o.zerosLike(ps[1]);
  const rv = o.onesLike(ps[1]);
  hvpCheck(([wc, gamma, beta, wf, bf]) => {
    const y = o.conv2d(x, wc, null, { padding: 1 });
    const z = o.relu(o.batchNorm(y, { runningMean: rm, runningVar: rv, weight: gamma, bias: beta, training: true }));
    const p = o.maxPool2d(z, { kernelSize: 2 });
    return o.crossEntropy(o.linear(o.flatten(p, 1), wf, bf), labels);
  }, ps);
});
