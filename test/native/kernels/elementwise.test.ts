// Native unary, binary (broadcasting), stridedCopy, reduceSum, reduceMax and permute against float64
// loops on every ISA path, with odd sizes (1, primes, long rows that split across threads).
import { stridedCopy as referenceStridedCopy } from '../../../lib/backend/reference/elementwise';
import { addon, expectClose, expectThrows, onEveryIsa, randomArray, randomInt } from './kernel-check';

const sizes = [1, 7, 17, 33, 40009]; // the last one splits across threads

type Unary = [op: string, f: (x: number, a: number, b: number) => number, lo: number, hi: number, alpha: number, beta: number];
const unaryCases: Unary[] = [
  ['neg', (x) => -x, -3, 3, 0, 0],
  ['abs', Math.abs, -3, 3, 0, 0],
  ['sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), -3, 3, 0, 0],
  ['exp', Math.exp, -80, 80, 0, 0],
  ['log', Math.log, 1e-30, 1e30, 0, 0],
  ['log', Math.log, 0.2, 3, 0, 0],
  ['sqrt', Math.sqrt, 0, 100, 0, 0],
  ['relu', (x) => (x > 0 ? x : 0), -3, 3, 0, 0],
  ['step', (x) => (x > 0 ? 1 : 0), -3, 3, 0, 0],
  ['square', (x) => x * x, -3, 3, 0, 0],
  ['pow', (x, a) => x ** a, -3, 3, 3, 0],
  ['pow', (x, a) => x ** a, -3, 3, -2, 0],
  ['pow', (x, a) => x ** a, 0.01, 5, 0.5, 0],
  ['pow', (x, a) => x ** a, 0.01, 5, 1.7, 0],
  ['pow', (x, a) => x ** a, 0.01, 5, -2.5, 0],
  ['clamp', (x, a, b) => (x < a ? a : x > b ? b : x), -3, 3, -0.5, 1.25],
  ['affine', (x, a, b) => a * x + b, -3, 3, -1.5, 0.25],
  ['rsqrt', (x) => 1 / Math.sqrt(x), 0.01, 100, 0, 0],
];

describe('unary', () => {
  test.each(unaryCases)('%s (case %#)', (op, f, lo, hi, alpha, beta) => {
    for (const n of sizes) {
      const x = randomArray(n, lo, hi);
      if (op === 'log' && lo < 1e-20) for (let i = 0; i < n; i++) x[i] = Math.exp(-69 + 138 * (x[i] - lo) / (hi - lo)); // 1e-30..1e30
      const want = Array.from(x, (v) => f(v, alpha, beta));
      const scale = op === 'affine' ? Array.from(x, (v) => Math.abs(alpha * v) + Math.abs(beta)) : undefined;
      onEveryIsa((isa) => {
        const out = new Float32Array(n).fill(NaN);
        addon.unary(op, x, out, alpha, beta);
        expectClose(`${isa} ${op} n=${n}`, out, want, { rtol: 1e-6, atol: 1e-30, scale });
        const alias = x.slice();
        addon.unary(op, alias, alias, alpha, beta);
        expectClose(`${isa} ${op} in place`, alias, out, { rtol: 0, atol: 0 });
      });
    }
  });

  test('exp and log at the edges', () => {
    const x = new Float32Array([0, -0, 1, -1, Infinity, -Infinity, NaN, 88.7, 88.8, -87.5, -100, -104, -110, 1e-40, 1e-45, 3.4e38]);
    onEveryIsa((isa) => {
      const e = new Float32Array(x.length), l = new Float32Array(x.length);
      addon.unary('exp', x, e, 0, 0);
      addon.unary('log', x, l, 0, 0);
      expectClose(`${isa} exp edges`, e, Array.from(x, (v) => Math.fround(Math.exp(v))), { rtol: 2e-6, atol: 1e-45 });
      expectClose(`${isa} log edges`, l, Array.from(x, (v) => Math.fround(Math.log(v))), { rtol: 1e-6, atol: 0 });
    });
  });
});

/** Strides of an operand of `shape` broadcast to `out` (same rank): 0 where it is 1. */
function broadcastStrides(shape: number[], out: number[]): Int32Array {
  const s = new Int32Array(out.length);
  let acc = 1;
  for (let d = out.length - 1; d >= 0; d--) {
    s[d] = shape[d] === 1 && out[d] !== 1 ? 0 : acc;
    acc *= shape[d];
  }
  return s;
}

function indexOf(i: number, shape: number[], strides: ArrayLike<number>): number {
  let off = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    off += (i % shape[d]) * strides[d];
    i = Math.floor(i / shape[d]);
  }
  return off;
}

const binaryOps: [string, (a: number, b: number) => number][] = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b],
  ['pow', (a, b) => Math.abs(a) ** b],
  ['max', (a, b) => (a !== a || a >= b ? a : b)],
  ['min', (a, b) => (a !== a || a <= b ? a : b)],
  ['gt', (a, b) => (a > b ? 1 : 0)],
  ['ge', (a, b) => (a >= b ? 1 : 0)],
  ['lt', (a, b) => (a < b ? 1 : 0)],
  ['le', (a, b) => (a <= b ? 1 : 0)],
  ['eq', (a, b) => (a === b ? 1 : 0)],
];

const broadcastCases: [number[], number[]][] = [
  [[1], [1]],
  [[7], [7]],
  [[3, 1, 5], [1, 4, 5]],
  [[2, 3, 1], [2, 1, 7]],
  [[1, 1, 1], [2, 3, 5]],
  [[6, 13], [1, 1]],
  [[97, 1001], [1, 1001]],
  [[97, 1], [97, 1001]],
];

describe('binary', () => {
  test.each(binaryOps)('%s with broadcasting', (op, f) => {
    for (const [sa, sb] of broadcastCases) {
      const out = sa.map((d, i) => Math.max(d, sb[i]));
      const total = out.reduce((p, d) => p * d, 1);
      const na = sa.reduce((p, d) => p * d, 1), nb = sb.reduce((p, d) => p * d, 1);
      // small integers give exact ties for the comparisons
      const a = op === 'pow' ? randomArray(na, 0.1, 2) : randomArray(na, -3, 3).map((v) => (randomInt(3) === 0 ? Math.round(v) : v));
      const b = op === 'pow' ? randomArray(nb, -2, 2) : randomArray(nb, -3, 3).map((v) => (randomInt(3) === 0 ? Math.round(v) : v));
      if (op === 'div') for (let i = 0; i < nb; i++) if (Math.abs(b[i]) < 0.1) b[i] = 0.5;
      const as = broadcastStrides(sa, out), bs = broadcastStrides(sb, out);
      const want = new Float64Array(total);
      for (let i = 0; i < total; i++) want[i] = f(a[indexOf(i, out, as)], b[indexOf(i, out, bs)]);
      onEveryIsa((isa) => {
        const got = new Float32Array(total).fill(NaN);
        addon.binary(op, a, as, b, bs, got, new Int32Array(out));
        expectClose(`${isa} ${op} ${JSON.stringify([sa, sb])}`, got, want, { rtol: 1e-6, atol: 1e-7 });
      });
    }
  });

  test('non-contiguous operand (a transposed view) and NaN propagation', () => {
    const [m, n] = [37, 53];
    const a = randomArray(m * n), b = randomArray(n);
    a[5] = NaN;
    const as = new Int32Array([1, m]); // a stored [n, m], read as its transpose
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[i * n + j] = Math.max(a[j * m + i] !== a[j * m + i] ? NaN : a[j * m + i], b[j]);
    onEveryIsa((isa) => {
      const got = new Float32Array(m * n);
      addon.binary('max', a, as, b, new Int32Array([0, 1]), got, new Int32Array([m, n]));
      expectClose(`${isa} max transposed`, got, want, { rtol: 0, atol: 0 });
    });
  });

  test('rank 0', () => {
    const got = new Float32Array(1);
    addon.binary('mul', new Float32Array([3]), new Int32Array(0), new Float32Array([-2]), new Int32Array(0), got, new Int32Array(0));
    expect(got[0]).toBe(-6);
  });
});

const axesCases: [number, number, number][] = [
  [1, 1, 1], [3, 7, 1], [5, 1, 9], [2, 13, 17], [1, 300007, 1], [7, 5, 1031], [129, 10, 1], [4, 1, 1],
];

describe('reductions', () => {
  test.each(axesCases)('reduceSum and reduceMax over [%d, %d, %d]', (outer, len, inner) => {
    const n = outer * len * inner;
    const x = randomArray(n, -2, 2).map((v) => (randomInt(4) === 0 ? Math.round(v) : v)); // ties
    const sum = new Float64Array(outer * inner), scale = new Float64Array(outer * inner);
    const max = new Float64Array(outer * inner), arg = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let s = 0, a = 0, best = -Infinity, at = 0;
        for (let r = 0; r < len; r++) {
          const v = x[(o * len + r) * inner + i];
          s += v;
          a += Math.abs(v);
          if (v > best) {
            best = v;
            at = r;
          }
        }
        sum[o * inner + i] = s;
        scale[o * inner + i] = a;
        max[o * inner + i] = best;
        arg[o * inner + i] = at;
      }
    onEveryIsa((isa) => {
      const got = new Float32Array(outer * inner).fill(NaN);
      addon.reduceSum(x, outer, len, inner, got);
      expectClose(`${isa} reduceSum`, got, sum, { rtol: 1e-6, scale });
      const values = new Float32Array(outer * inner), index = new Int32Array(outer * inner).fill(-1);
      addon.reduceMax(x, outer, len, inner, values, index);
      expectClose(`${isa} reduceMax values`, values, max, { rtol: 0, atol: 0 });
      expectClose(`${isa} reduceMax index`, index, arg, { rtol: 0, atol: 0 });
    });
  });

  test('reduceMax: the first NaN wins', () => {
    const x = new Float32Array([1, NaN, 5, NaN, 2, 3, 9, 9]);
    onEveryIsa(() => {
      const v = new Float32Array(2), i = new Int32Array(2);
      addon.reduceMax(x, 2, 4, 1, v, i);
      expect([Number.isNaN(v[0]), i[0], v[1], i[1]]).toEqual([true, 1, 9, 2]);
      addon.reduceMax(x, 1, 4, 2, v, i); // columns: [1, 5, 2, 9] and [NaN, NaN, 3, 9]
      expect([v[0], i[0], Number.isNaN(v[1]), i[1]]).toEqual([9, 3, true, 0]);
    });
  });
});

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), n - 1, ...p.slice(k)]);
  return out;
}

describe('permute', () => {
  const cases: [number[], number[][]][] = [
    [[2, 3, 4], permutations(3)],
    [[1, 5, 1, 7], permutations(4)],
    [[37, 129, 3], [[1, 0, 2], [2, 1, 0], [0, 2, 1]]],
    [[64, 65], [[1, 0]]],
    [[3, 1, 2, 5, 2], [[4, 3, 2, 1, 0], [1, 3, 0, 4, 2]]],
  ];
  test.each(cases)('shape %j', (shape, perms) => {
    const total = shape.reduce((p, d) => p * d, 1);
    const x = randomArray(total);
    const inStrides = broadcastStrides(shape, shape);
    for (const perm of perms) {
      const outShape = perm.map((p) => shape[p]);
      const want = new Float64Array(total);
      for (let i = 0; i < total; i++) want[i] = x[indexOf(i, outShape, perm.map((p) => inStrides[p]))];
      onEveryIsa((isa) => {
        const got = new Float32Array(total).fill(NaN);
        addon.permute(x, new Int32Array(shape), new Int32Array(perm), got);
        expectClose(`${isa} permute ${JSON.stringify(perm)}`, got, want, { rtol: 0, atol: 0 });
      });
    }
  });
});

describe('stridedCopy', () => {
  // [shape, src strides, dst strides]: contiguous, broadcasts (zero source strides, as
  // broadcastTo), transposes, gaps in both operands, a destination that repeats positions
  // (the last element wins, as in the reference's order), and long rows split across threads.
  const cases: [number[], number[], number[]][] = [
    [[3, 5, 7], [35, 7, 1], [35, 7, 1]],
    [[128, 16, 8, 8], [16, 1, 0, 0], [1024, 64, 8, 1]],
    [[37, 129], [1, 37], [129, 1]],
    [[5, 1, 9], [20, 7, 2], [30, 3, 3]],
    [[4, 6], [6, 1], [0, 1]],
    [[4096, 16], [16, 1], [0, 1]],
    [[6, 4], [4, 1], [1, 0]],
    [[2, 3, 4], [0, 0, 0], [12, 4, 1]],
    [[300, 257], [257, 1], [260, 1]],
    [[0, 5], [5, 1], [5, 1]],
    [[], [], []],
  ];
  test.each(cases)('shape %j, src strides %j, dst strides %j', (shape, ss, ds) => {
    const extent = (strides: number[]) => shape.reduce((e, d, i) => e + Math.max(d - 1, 0) * strides[i], 1);
    const so = randomInt(5), dof = randomInt(5);
    const src = randomArray(so + extent(ss) + 3);
    const dst0 = randomArray(dof + extent(ds) + 3);
    const want = dst0.slice();
    const sh = new Int32Array(shape), s1 = new Int32Array(ss), d1 = new Int32Array(ds);
    referenceStridedCopy(src, so, s1, want, dof, d1, sh);
    onEveryIsa((isa) => {
      const got = dst0.slice();
      addon.stridedCopy(src, so, s1, got, dof, d1, sh);
      expectClose(`${isa} stridedCopy`, got, Float64Array.from(want), { rtol: 0, atol: 0 });
    });
  });

  test('bad input: named errors, nothing written', () => {
    const src = randomArray(12), dst = new Float32Array(12);
    const sh = new Int32Array([3, 4]), st = new Int32Array([4, 1]);
    expectThrows(() => addon.stridedCopy(src, 1, st, dst, 0, st, sh), 'RangeError', 'stridedCopy', "'src'");
    expectThrows(() => addon.stridedCopy(src, 0, st, dst, 2, st, sh), 'RangeError', "'dst'");
    expectThrows(() => addon.stridedCopy(src, 0, new Int32Array([4, -1]), dst, 0, st, sh), 'RangeError', "'srcStrides'");
    expectThrows(() => addon.stridedCopy(src, 0, st, dst, 0, new Int32Array([1]), sh), 'RangeError', "'dstStrides'");
    expectThrows(() => addon.stridedCopy(src, -1, st, dst, 0, st, sh), 'RangeError', "'srcOffset'");
    expectThrows(() => addon.stridedCopy(src, 0, st, Array.from(dst), 0, st, sh), 'TypeError', "'dst'");
    expect(dst.every((v) => v === 0)).toBe(true);
  });
});

describe('elementwise bad input', () => {
  test('named errors, process alive', () => {
    const x = randomArray(10), out = new Float32Array(10);
    expectThrows(() => addon.unary('exp', x, out, 0), 'TypeError', 'unary', 'expected 5 arguments');
    expectThrows(() => addon.unary('cosh', x, out, 0, 0), 'RangeError', 'unary', "'op'");
    expectThrows(() => addon.unary('exp', x, new Float32Array(9), 0, 0), 'RangeError', "'out'");
    expectThrows(() => addon.unary('exp', Array.from(x), out, 0, 0), 'TypeError', "'x'");
    expectThrows(() => addon.unary('pow', x, out, 'two', 0), 'TypeError', "'alpha'");
    const s = new Int32Array([1]);
    expectThrows(() => addon.binary('add', x, s, x, s, out, new Int32Array([11])), 'RangeError', 'binary', "'a'");
    expectThrows(() => addon.binary('add', x, new Int32Array([1, 1]), x, s, out, new Int32Array([10])), 'RangeError', "'aStrides'");
    expectThrows(() => addon.binary('add', x, new Int32Array([-1]), x, s, out, new Int32Array([10])), 'RangeError', "'aStrides'");
    expectThrows(() => addon.binary('add', x, s, x, s, out, new Float32Array([10])), 'TypeError', "'outShape'");
    expectThrows(() => addon.binary('plus', x, s, x, s, out, new Int32Array([10])), 'RangeError', "'op'");
    expectThrows(() => addon.reduceSum(x, 2, 3, 2, out), 'RangeError', 'reduceSum', "'x'");
    expectThrows(() => addon.reduceSum(x, 2, -3, 1, out), 'RangeError', "'len'");
    expectThrows(() => addon.reduceMax(x, 2, 5, 1, out, new Float32Array(2)), 'TypeError', 'reduceMax', "'outIndex'");
    expectThrows(() => addon.reduceMax(x, 2, 0, 1, out, new Int32Array(2)), 'RangeError', "'len'");
    expectThrows(() => addon.permute(x, new Int32Array([2, 5]), new Int32Array([0, 0]), out), 'RangeError', 'permute', "'perm'");
    expectThrows(() => addon.permute(x, new Int32Array([2, 6]), new Int32Array([1, 0]), out), 'RangeError', "'x'");
    addon.unary('exp', x, out, 0, 0);
    expect(out[3]).toBeCloseTo(Math.exp(x[3]), 5);
  });
});
