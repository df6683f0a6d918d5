/**
 * Every op on every loaded backend against the float64 reference backend, forward and
 * backward, on fresh random inputs (PAI_TEST_SEED reproduces a run). The cpu backend runs
 * its native kernels where the addon has them; cuda runs only with PAI_TEST_CUDA=1.
 */
import type { BackendName } from '../../lib/backend';
import { isBackendAvailable } from '../../lib/backend';
import { loadNative } from '../../lib/backend/native-loader';
import { fromArray, tidy } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import type { Tensor } from '../../lib/tensor';
import type { OpCase } from '../ops/cases';
import { OP_CASES } from '../ops/cases';
import { caseGrads, caseInputs, caseTensors, mismatch, rng, runCase, TEST_SEED } from '../ops/harness';

function skipReason(name: BackendName): string | null {
  if (name === 'cuda' && process.env.PAI_TEST_CUDA !== '1') return 'set PAI_TEST_CUDA=1 on a machine with a CUDA device to run it';
  if (name === 'cpu' && !loadNative().addon) return `the native addon did not load: ${loadNative().error}`;
  if (!isBackendAvailable(name)) return `the ${name} backend cannot be created here`;
  return null;
}

const BACKENDS: BackendName[] = ['reference', 'cpu', 'cuda'];

/** Hessian-vector product of sum(op(x) * R) along a fixed direction: exercises every backward op's own backward. */
function hvp(c: OpCase, index: number, values: Float64Array[], backend: BackendName, dtype: 'float32' | 'float64'): (Float64Array | null)[] {
  const xs = caseTensors(c, values, backend, dtype);
  const diff = xs.filter((_, i) => c.inputs[i].grad !== false);
  const gs = caseGrads(c, xs, index, true);
  const r = rng(index * 17 + 1);
  let dot: Tensor | null = null;
  gs.forEach((g) => {
    if (g === null || !g.requiresGrad) return;
    const v = fromArray(Float64Array.from({ length: g.size }, () => r() * 2 - 1), g.shape, { backend, dtype });
    const term = o.sum(o.mul(g, v));
    dot = dot ? o.add(dot, term) : term;
  });
  if (dot === null) return [];
  return grad(dot, diff, { allowUnused: true }).map((h) => (h ? Float64Array.from(h.data()) : null));
}

for (const name of BACKENDS) {
  const reason = skipReason(name);
  if (reason) {
    describe(`conformance on ${name}`, () => {
      test.skip(`skipped: ${reason}`, () => undefined);
    });
    // Visible in the run log, not only as a skipped count.
    console.warn(`conformance on ${name} skipped: ${reason}`);
    continue;
  }
  describe(`conformance on ${name} (float32 vs reference float64, seed ${TEST_SEED})`, () => {
    test('in-place kernels: mulInPlace_, copy_, fill_ and gradient accumulation (outputs aliasing inputs)', () => {
      const x = fromArray([1, 2, 3, 4, 5, 6, 7], [7], { backend: name });
      x.mulInPlace_(fromArray([1, 0, 1, 0, 1, 1, 0], [7], { backend: name }));
      expect(x.toArray()).toEqual([1, 0, 3, 0, 5, 6, 0]);
      x.copy_(fromArray([2, 2, 2, 2, 2, 2, 2], [7], { backend: 'reference', dtype: 'float64' }));
      expect(x.toArray()).toEqual([2, 2, 2, 2, 2, 2, 2]);
      const w = fromArray([0.5, -1.5, 2], [3], { backend: name }).requiresGrad_();
      o.sum(o.mul(w, w)).backward();
      o.sum(o.mul(w, 3)).backward();
      expect(w.grad!.toArray()).toEqual([4, 0, 7]);
      w.grad!.fill_(0.25);
      expect(w.grad!.toArray()).toEqual([0.25, 0.25, 0.25]);
    });
    test('relu keeps NaN (PyTorch semantics), maps -0 and negatives to 0, and its gradient at NaN is 0', () => {
      tidy(() => {
        // 37 elements: past a vector width, so the native loops' tails run too.
        const v = Array.from({ length: 37 }, (_, i) => (i % 5 === 0 ? NaN : i % 5 === 1 ? -0 : (i % 2 ? -1 : 1) * (i + 0.5)));
        const x = fromArray(v, [37], { backend: name }).requiresGrad_();
        const y = o.relu(x);
        const got = Array.from(y.data());
        const want = v.map((a) => (Number.isNaN(a) ? NaN : a > 0 ? a : 0));
        got.forEach((a, i) => expect(Object.is(a, want[i])).toBe(true));
        const [g] = grad(o.sum(y), [x]);
        expect(Array.from(g!.data())).toEqual(v.map((a) => (a > 0 ? 1 : 0)));
      });
    });
    OP_CASES.forEach((c, index) => {
      test(c.name, () => {
        tidy(() => {
          const values = caseInputs(c, index);
          const want = runCase(c, caseTensors(c, values, 'reference', 'float64'));
          const got = runCase(c, caseTensors(c, values, name, 'float32'));
          const tol = c.tol ?? 2e-4;
          expect(got.length).toBe(want.length);
          got.forEach((g, i) => {
            expect(g.shape).toEqual(want[i].shape);
            expect(g.backend.name).toBe(name);
            const bad = mismatch(g.data(), want[i].data(), tol);
            if (bad) throw new Error(`${c.name} on ${name}, output ${i}: ${bad}`);
          });
          const wantG = caseGrads(c, caseTensors(c, values, 'reference', 'float64'), index);
          const gotG = caseGrads(c, caseTensors(c, values, name, 'float32'), index);
          gotG.forEach((g, i) => {
            const w = wantG[i];
            if (g === null || w === null) {
              expect(g === null).toBe(w === null);
              return;
            }
            const bad = mismatch(g.data(), w.data(), tol * 5);
            if (bad) throw new Error(`${c.name} on ${name}, gradient of input ${i}: ${bad}`);
          });
          const wantH = hvp(c, index, values, 'reference', 'float64');
          const gotH = hvp(c, index, values, name, 'float32');
          gotH.forEach((h, i) => {
            const w = wantH[i];
            if (h === null || w === null) {
              expect(h === null).toBe(w === null);
              return;
            }
            const bad = mismatch(h, w, tol * 10);
            if (bad) throw new Error(`${c.name} on ${name}, Hessian-vector product for input ${i}: ${bad}`);
          });
        });
      });
    });
  });
}
