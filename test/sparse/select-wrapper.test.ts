// The typed wrappers: native when present and float32, the O(n) reference otherwise,
// with the same masks and thresholds either way.
import { scoreKernel, selectTopK, selectTopKSegments } from '../../lib/backend/sparse/select';
import { scoreReference, selectTopKBySort } from '../../lib/backend/sparse/select-reference';
import { randn } from './seeded-random';

function withBackend<T>(name: string | undefined, fn: () => T): T {
  const saved = process.env.PAI_BACKEND;
  if (name === undefined) delete process.env.PAI_BACKEND;
  else process.env.PAI_BACKEND = name;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.PAI_BACKEND;
    else process.env.PAI_BACKEND = saved;
  }
}

describe('selection wrappers', () => {
  const n = 70001;
  const s = randn(n, 42);
  s.fill(0, 100, 3000); // a block of ties
  const k = 40000;
  const want = new Float32Array(n);
  const tWant = selectTopKBySort(s, k, want);

  for (const backend of [undefined, 'reference']) {
    test(`selectTopK and segments on ${backend ?? 'the default backend'}`, () => {
      withBackend(backend, () => {
        const got = new Float32Array(n);
        expect(selectTopK(s, k, got)).toBe(tWant);
        expect(got).toEqual(want);
        const seg = new Float32Array(n);
        const th = selectTopKSegments(s, [0, 30000, n], [12000, 20000], seg);
        const w0 = new Float32Array(30000);
        const w1 = new Float32Array(n - 30000);
        expect(th[0]).toBe(selectTopKBySort(s.subarray(0, 30000), 12000, w0));
        expect(th[1]).toBe(selectTopKBySort(s.subarray(30000), 20000, w1));
        expect(seg.subarray(0, 30000)).toEqual(w0);
        expect(seg.subarray(30000)).toEqual(w1);
        const g = randn(n, 7);
        const out = new Float32Array(n);
        scoreKernel('absprod', s, g, out);
        const ref = new Float32Array(n);
        scoreReference('absprod', s, g, ref);
        expect(out).toEqual(ref);
      });
    });
  }

  test('float64 scores take the reference path', () => {
    const s64 = Float64Array.from(s);
    const m = new Float64Array(n);
    expect(selectTopK(s64, k, m)).toBe(tWant);
    expect(Float32Array.from(m)).toEqual(want);
    expect(() => selectTopK(s64, n + 1, m)).toThrow(RangeError);
  });
});
