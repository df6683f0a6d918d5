/** Shared machinery of the op conformance and gradient tests: inputs, runs, comparisons. */
import type { BackendName, DType } from '../../lib/backend';
import { Tensor, fromArray } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import type { InputSpec, OpCase } from './cases';

// Module constants: global lookups (Math.x) are slow in jest's vm context, and these run per element.
const { imul, sqrt, log, cos, floor, abs } = Math;
const TWO_PI = 2 * Math.PI;

/** Seed of this run's inputs: PAI_TEST_SEED, else fresh; printed in failure messages. */
export const TEST_SEED = process.env.PAI_TEST_SEED ? Number(process.env.PAI_TEST_SEED) : (Date.now() % 1_000_000_007) >>> 0;

/** A small seeded generator (mulberry32) independent of the library's Philox. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return sqrt(-2 * log(1 - r())) * cos(TWO_PI * r());
}

/** Values of one input: never all zeros; 'distinct' values are at least 1/size apart (no ties in max). */
export function inputValues(spec: InputSpec, r: () => number): Float64Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(size);
  switch (spec.kind ?? 'normal') {
    case 'normal':
      for (let i = 0; i < size; i++) v[i] = gaussian(r);
      break;
    case 'positive':
      for (let i = 0; i < size; i++) v[i] = 0.5 + 1.5 * r();
      break;
    case 'mask':
      for (let i = 0; i < size; i++) v[i] = r() < 0.5 ? 1 : 0;
      if (size > 1) {
        v[0] = 1;
        v[size - 1] = 0;
      }
      break;
    case 'offKinks':
      // Normal-like, but at least 0.01 from every multiple of 0.1 (the kinks of abs, relu and
      // the clamps tested), so that no finite difference straddles a kink.
      for (let i = 0; i < size; i++) v[i] = (Math.round(2 * gaussian(r) * 10) / 2 + (r() < 0.5 ? -1 : 1) * (0.1 + 0.3 * r())) / 10;
      break;
    case 'distinct': {
      const perm = Array.from({ length: size }, (_, i) => i);
      for (let i = size - 1; i > 0; i--) {
        const j = floor(r() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      for (let i = 0; i < size; i++) v[i] = ((perm[i] + 0.25 + 0.5 * r()) / size) * 4 - 2;
      break;
    }
  }
  return v;
}

/** Input values of a case, reproducible from (TEST_SEED, case index). */
export function caseInputs(c: OpCase, index: number): Float64Array[] {
  const r = rng(TEST_SEED * 7919 + index * 104729);
  return c.inputs.map((s) => inputValues(s, r));
}

/** Tensors for a case on a backend; differentiable inputs require grad. */
export function caseTensors(c: OpCase, values: Float64Array[], backend: BackendName, dtype: DType): Tensor[] {
  return c.inputs.map((s, i) => {
    const t = fromArray(values[i], s.shape, { backend, dtype });
    return s.grad !== false ? t.requiresGrad_() : t;
  });
}

/** Runs a case and lists its outputs. */
export function runCase(c: OpCase, xs: Tensor[]): Tensor[] {
  const out = c.run(xs);
  return Array.isArray(out) ? out : [out];
}

/** Fixed random weights R for the scalar loss sum(out * R). */
export function lossWeights(shape: readonly number[], index: number): Float64Array {
  const r = rng(TEST_SEED * 31 + index * 977 + 5);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: size }, () => gaussian(r));
}

/**
 * sum((R + out / 2) * out) as a scalar tensor on out's backend. The quadratic term makes the
 * gradient depend on the op's output, so double backward runs every backward op's own
 * backward (e.g. maxPool2dGather), even for piecewise-linear ops.
 */
export function weightedLoss(out: Tensor, weights: Float64Array): Tensor {
  const w = fromArray(weights, out.shape, { backend: out.backend, dtype: out.dtype });
  return o.sum(o.mul(o.add(w, o.mul(out, 0.5)), out));
}

/** Gradients of weightedLoss(outputs[0]) with respect to the differentiable inputs. */
export function caseGrads(c: OpCase, xs: Tensor[], index: number, createGraph = false): (Tensor | null)[] {
  const outs = runCase(c, xs);
  const diff = xs.filter((_, i) => c.inputs[i].grad !== false);
  if (diff.length === 0 || !outs[0].requiresGrad) return [];
  return grad(weightedLoss(outs[0], lossWeights(outs[0].shape, index)), diff, { allowUnused: true, createGraph });
}

/** Largest violation of |a - b| <= tol (1 + |b|), with the index, or null when all pass. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const err = abs(a - b) / (1 + abs(b));
    if (!(err <= tol) && (err > worstErr || Number.isNaN(err) || worst < 0)) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst < 0) return null;
  return `index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (relative error ${worstErr.toExponential(2)} > ${tol}; seed ${TEST_SEED})`;
}
