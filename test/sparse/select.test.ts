// Top-k selection and scoring: the native kernels and the O(n) TypeScript fallback against
// the sort-based oracle, on random, tied, signed-zero and adversarial inputs.
import { loadNative } from '../../lib/backend/native-loader';
import {
  scoreReference,
  selectTopKBySort,
  selectTopKLinear,
  selectTopKSegmentsWith,
  ScoreKind,
} from '../../lib/backend/sparse/select-reference';
import { normal, seededRandom } from './seeded-random';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;

type Pattern = 'uniform' | 'normal' | 'ties' | 'equal' | 'zeros' | 'sorted' | 'extremes';

function scoresOf(pattern: Pattern, n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (pattern) {
      case 'uniform': s[i] = r(); break;
      case 'normal': s[i] = normal(r); break;
      case 'ties': s[i] = Math.floor(r() * 5) - 2; break;
      case 'equal': s[i] = 0.25; break;
      case 'zeros': s[i] = r() < 0.5 ? -0 : 0; break;
      case 'sorted': s[i] = i % 3 === 0 ? i : n - i; break;
      case 'extremes': {
        const pick = [Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 0, -0][Math.floor(r() * 8)];
        s[i] = r() < 0.5 ? pick : normal(r);
        break;
      }
    }
  }
  return s;
}

/** Name and message of what fn throws (native errors come from another realm than jest's). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return 'nothing thrown';
}

function firstDiff(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const patterns: Pattern[] = ['uniform', 'normal', 'ties', 'equal', 'zeros', 'sorted', 'extremes'];
const sizes = [1, 2, 7, 97, 4099, 65537, 131101];

describe('selectTopK', () => {
  for (const n of sizes) {
    for (const pattern of patterns) {
      test(`n=${n} ${pattern}`, () => {
        const s = scoresOf(pattern, n, n * 31 + pattern.length);
        const ks = Array.from(new Set([0, 1, Math.floor(n / 3), Math.floor(n / 2), Math.floor(n * 0.99), n - 1, n].filter((k) => k >= 0 && k <= n)));
        for (const k of ks) {
          const want = new Float32Array(n);
          const tWant = selectTopKBySort(s, k, want);
          const got = new Float32Array(n).fill(7);
          const tGot = cpu.selectTopK(s, k, got);
          expect([k, firstDiff(got, want)]).toEqual([k, -1]);
          expect(tGot).toBe(tWant);
          const lin = new Float32Array(n).fill(7);
          expect(selectTopKLinear(s, k, lin)).toBe(tWant);
          expect([k, firstDiff(lin, want)]).toEqual([k, -1]);
        }
      });
    }
  }

  test('sample-defeating layout falls back to the radix path', () => {
    // Every second entry is what the evenly spaced sample sees; the others crowd the band.
    const n = 1 << 17;
    const r = seededRandom(5);
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) s[i] = i % 2 === 1 ? r() : 0.5 + 1e-4 * r();
    for (const k of [n / 2, n / 4 + 17, (3 * n) / 4]) {
      const want = new Float32Array(n);
      const tWant = selectTopKBySort(s, k, want);
      const got = new Float32Array(n);
      expect(cpu.selectTopK(s, k, got)).toBe(tWant);
      expect(firstDiff(got, want)).toBe(-1);
    }
  });

  test('same mask on every ISA path and thread count', () => {
    const n = 300007;
    const s = scoresOf('normal', n, 11);
    const k = 12345;
    const want = new Float32Array(n);
    selectTopKBySort(s, k, want);
    const { detectedIsa, isa, threads } = cpu.info();
    const isas = (['baseline', 'avx2', 'avx512'] as const).slice(0, ['baseline', 'avx2', 'avx512'].indexOf(detectedIsa) + 1);
    try {
      for (const path of isas)
        for (const t of [1, 2, 3]) {
          cpu.setIsa(path);
          cpu.setNumThreads(t);
          const got = new Float32Array(n);
          cpu.selectTopK(s, k, got);
          expect([path, t, firstDiff(got, want)]).toEqual([path, t, -1]);
        }
    } finally {
      cpu.setIsa(isa);
      cpu.setNumThreads(threads);
    }
  });

  test('NaN is a RangeError naming the index', () => {
    for (const n of [5, 200000]) {
      const s = scoresOf('uniform', n, 3);
      s[n - 2] = NaN;
      expect(() => cpu.selectTopK(s, 2, new Float32Array(n))).toThrow(new RegExp(`selectTopK: 'scores' contains NaN at index ${n - 2}`));
      expect(() => selectTopKLinear(s, 2, new Float32Array(n))).toThrow(RangeError);
    }
  });

  test('bad arguments throw named errors', () => {
    const s = new Float32Array(10);
    expect(() => cpu.selectTopK(s, 11, new Float32Array(10))).toThrow(/selectTopK: 'k'/);
    expect(thrown(() => cpu.selectTopK(s, -1, new Float32Array(10)))).toMatch(/^RangeError/);
    expect(thrown(() => cpu.selectTopK(s, 1.5, new Float32Array(10)))).toMatch(/^TypeError/);
    expect(() => cpu.selectTopK(s, 1, new Float32Array(9))).toThrow(/'mask'/);
    expect(thrown(() => cpu.selectTopK(new Float64Array(10), 1, new Float32Array(10)))).toMatch(/^TypeError/);
    expect(() => cpu.selectTopK(s, 1)).toThrow(/expected 3 to 4 arguments/);
    expect(() => selectTopKLinear(s, 11, new Float32Array(10))).toThrow(/'k'/);
  });
});

describe('selectTopKSegments', () => {
  test('each segment equals the oracle on that segment, gaps untouched', () => {
    const r = seededRandom(99);
    const lens = [0, 1, 5, 1728, 70001, 0, 36864, 3, 90000];
    const offsets = [7];
    for (const l of lens) offsets.push(offsets[offsets.length - 1] + l);
    const n = offsets[offsets.length - 1] + 11;
    const s = scoresOf('normal', n, 4);
    for (let i = 0; i < 2000; i++) s[Math.floor(r() * n)] = 0.5; // ties across segments
    const ks = lens.map((l, j) => (j % 3 === 0 ? l : Math.floor(r() * (l + 1))));
    const got = new Float32Array(n).fill(7);
    const th: Float64Array = cpu.selectTopKSegments(s, Float64Array.from(offsets), Float64Array.from(ks), got);
    const lin = new Float32Array(n).fill(7);
    const thLin = selectTopKSegmentsWith(selectTopKLinear, s, offsets, ks, lin);
    for (let g = 0; g < lens.length; g++) {
      const a = offsets[g], b = offsets[g + 1];
      const want = new Float32Array(b - a);
      const t = selectTopKBySort(s.subarray(a, b), ks[g], want);
      expect([g, firstDiff(got.subarray(a, b), want)]).toEqual([g, -1]);
      expect([g, firstDiff(lin.subarray(a, b), want)]).toEqual([g, -1]);
      expect(th[g]).toBe(t === 0 ? 0 : Math.fround(t));
      expect(thLin[g]).toBe(t);
    }
    for (const i of [0, 6, n - 1, n - 11]) {
      expect(got[i]).toBe(7);
      expect(lin[i]).toBe(7);
    }
  });

  test('bad segments and NaN throw named errors', () => {
    const s = new Float32Array(10);
    const m = new Float32Array(10);
    expect(() => cpu.selectTopKSegments(s, Float64Array.from([0, 5, 4]), Float64Array.from([1, 1]), m)).toThrow(/'offsets\[2\]' must be an integer in \[5, 10\], got 4$/);
    expect(thrown(() => cpu.selectTopKSegments(s, Float64Array.from([0, 5, 11]), Float64Array.from([1, 1]), m))).toMatch(/^RangeError/);
    expect(() => cpu.selectTopKSegments(s, Float64Array.from([0, 5, 10]), Float64Array.from([1]), m)).toThrow(/'ks'/);
    expect(() => cpu.selectTopKSegments(s, Float64Array.from([0, 5, 10]), Float64Array.from([1, 6]), m)).toThrow(/'ks\[1\]'/);
    expect(() => cpu.selectTopKSegments(s, Float64Array.from([]), Float64Array.from([]), m)).toThrow(/'offsets'/);
    expect(thrown(() => cpu.selectTopKSegments(s, [0, 10], Float64Array.from([1]), m))).toMatch(/^TypeError/);
    const bad = new Float32Array(10);
    bad[8] = NaN;
    expect(() => cpu.selectTopKSegments(bad, Float64Array.from([0, 5, 10]), Float64Array.from([1, 1]), m)).toThrow(/NaN at index 8/);
  });
});

describe('scoreKernel', () => {
  const kinds: ScoreKind[] = ['abs', 'absprod', 'prod', 'negprod'];
  for (const n of [1, 13, 100003]) {
    test(`n=${n} every kind matches the reference bit for bit`, () => {
      const r = seededRandom(n);
      const theta = new Float32Array(n).map(() => normal(r));
      const g = new Float32Array(n).map(() => normal(r) * 1e-3);
      for (const kind of kinds) {
        const want = new Float32Array(n);
        scoreReference(kind, theta, g, want);
        const got = new Float32Array(n);
        cpu.scoreKernel(kind, theta, kind === 'abs' ? null : g, got);
        expect([kind, firstDiff(got, want)]).toEqual([kind, -1]);
      }
      const alias = theta.slice();
      cpu.scoreKernel('absprod', alias, g, alias);
      const want = new Float32Array(n);
      scoreReference('absprod', theta, g, want);
      expect(firstDiff(alias, want)).toBe(-1);
    });
  }

  test('bad arguments throw named errors', () => {
    const a = new Float32Array(4);
    expect(() => cpu.scoreKernel('snip', a, a, a)).toThrow(/'kind'/);
    expect(() => cpu.scoreKernel('prod', a, null, a)).toThrow(/'g'/);
    expect(() => cpu.scoreKernel('prod', a, new Float32Array(3), a)).toThrow(/'g'/);
    expect(() => cpu.scoreKernel('abs', a, null, new Float32Array(5))).toThrow(/'out'/);
    expect(() => scoreReference('prod', a, null, a)).toThrow(TypeError);
  });
});
