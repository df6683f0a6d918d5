/**
 * Every op's backward against central finite differences in float64 on the reference
 * backend, and every op's double backward (Hessian-vector products of sum(op(x) * R))
 * against finite differences of its gradients.
 */
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { OP_CASES, type OpCase } from '../ops/cases';
import { caseGrads, caseInputs, lossWeights, mismatch, rng, runCase, TEST_SEED, weightedLoss } from '../ops/harness';

const EPS = 1e-6;
/** Elements probed per input; larger inputs are sampled. */
const PROBES = 24;

function tensors(c: OpCase, values: Float64Array[]): Tensor[] {
  return c.inputs.map((s, i) => {
    const t = fromArray(values[i], s.shape, { backend: 'reference', dtype: 'float64' });
    return s.grad !== false ? t.requiresGrad_() : t;
  });
}

function loss(c: OpCase, values: Float64Array[], index: number): number {
  return tidy(() => {
    const out = runCase(c, tensors(c, values))[0];
    return weightedLoss(out, lossWeights(out.shape, index)).item();
  });
}

function probes(size: number, seed: number): number[] {
  if (size <= PROBES) return Array.from({ length: size }, (_, i) => i);
  const r = rng(seed);
  const set = new Set<number>([0, size - 1]);
  while (set.size < PROBES) set.add(Math.floor(r() * size));
  return [...set];
}

const differentiable = OP_CASES.map((c, i) => [c, i] as const).filter(([c]) => c.inputs.some((s) => s.grad !== false) && c.name !== 'sign');

describe(`gradient check, float64 central differences (seed ${TEST_SEED})`, () => {
  test.each(differentiable.map(([c, i]) => [c.name, c, i] as const))('%s', (_name, c, index) => {
    const values = caseInputs(c, index);
    const grads = tidy(() => caseGrads(c, tensors(c, values), index).map((g) => (g ? Float64Array.from(g.data()) : null)));
    let k = 0;
    c.inputs.forEach((spec, i) => {
      if (spec.grad === false) return;
      const g = grads[k++];
      const idx = probes(values[i].length, index * 13 + i);
      const numeric = idx.map((j) => {
        const v = values[i][j];
        values[i][j] = v + EPS;
        const lp = loss(c, values, index);
        values[i][j] = v - EPS;
        const lm = loss(c, values, index);
        values[i][j] = v;
        return (lp - lm) / (2 * EPS);
      });
      const analytic = idx.map((j) => (g ? g[j] : 0));
      const bad = mismatch(analytic, numeric, 1e-5);
      if (bad) throw new Error(`${c.name}, input ${i}: ${bad}`);
    });
  });
});

describe(`double backward per op: Hessian-vector products vs differences of gradients (seed ${TEST_SEED})`, () => {
  test.each(differentiable.map(([c, i]) => [c.name, c, i] as const))('%s', (_name, c, index) => {
    const values = caseInputs(c, index);
    const diffIdx = c.inputs.map((s, i) => (s.grad !== false ? i : -1)).filter((i) => i >= 0);
    const r = rng(index * 7 + 3);
    const dirs = diffIdx.map((i) => Float64Array.from(values[i], () => r() * 2 - 1));
    const hvp = tidy(() => {
      const xs = tensors(c, values);
      const gs = caseGrads(c, xs, index, true);
      let dot: Tensor | null = null;
      gs.forEach((g, k) => {
        if (g === null || !g.requiresGrad) return;
        const term = o.sum(o.mul(g, fromArray(dirs[k], g.shape, { backend: 'reference', dtype: 'float64' })));
        dot = dot ? o.add(dot, term) : term;
      });
      if (dot === null) return diffIdx.map((i) => new Float64Array(values[i].length));
      const diff = xs.filter((_, i) => c.inputs[i].grad !== false);
      return grad(dot, diff, { allowUnused: true }).map((h, k) => (h ? Float64Array.from(h.data()) : new Float64Array(values[diffIdx[k]].length)));
    });
    const h = 1e-5;
    const shifted = (sign: number) => {
      const vs = values.map((v) => Float64Array.from(v));
      diffIdx.forEach((i, k) => vs[i].forEach((_, j) => (vs[i][j] += sign * h * dirs[k][j])));
      return tidy(() => caseGrads(c, tensors(c, vs), index).map((g, k) => (g ? Float64Array.from(g.data()) : new Float64Array(values[diffIdx[k]].length))));
    };
    const gp = shifted(1);
    const gm = shifted(-1);
    diffIdx.forEach((i, k) => {
      const numeric = gp[k].map((p, j) => (p - gm[k][j]) / (2 * h));
      const bad = mismatch(hvp[k], numeric, 2e-5);
      if (bad) throw new Error(`${c.name}, input ${i}: ${bad}`);
    });
  });
});
