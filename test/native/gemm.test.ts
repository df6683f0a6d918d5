// SGEMM on every ISA path this CPU supports, against a float64 triple loop.
import { loadNative } from '../../lib/backend/native-loader';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;

// Hoisted: global lookups are slow inside jest's vm context, and the reference loops are hot.
const { abs, max } = Math;

type Isa = 'baseline' | 'avx2' | 'avx512';
const ORDER: Isa[] = ['baseline', 'avx2', 'avx512'];
const initial = cpu.info();
const ISAS = ORDER.slice(0, ORDER.indexOf(initial.detectedIsa) + 1);

/** Deterministic uniform(-1, 1) fill (xorshift32), so failures reproduce. */
function randomFill(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    x[i] = s / 2147483648 - 1;
  }
  return x;
}

function randomMask(n: number, seed: number): Float32Array {
  return randomFill(n, seed).map((v) => (v > 0 ? 1 : 0));
}

interface Case {
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** Extra row-stride padding of A, B and C. */
  pad?: number;
  masks?: boolean;
}

/** Runs one case natively and in float64; returns the worst error over its bound (<= 1 passes). */
function check(c: Case, seed: number): number {
  const pad = c.pad ?? 0;
  const [ar, ac] = c.ta ? [c.k, c.m] : [c.m, c.k];
  const [br, bc] = c.tb ? [c.n, c.k] : [c.k, c.n];
  const lda = ac + pad, ldb = bc + pad, ldc = c.n + pad;
  const a = randomFill(Math.max(0, (ar - 1) * lda + ac), seed);
  const b = randomFill(Math.max(0, (br - 1) * ldb + bc), seed + 1);
  const c0 = randomFill(Math.max(0, (c.m - 1) * ldc + c.n), seed + 2);
  if (c.beta === 0) c0.fill(NaN); // beta == 0 must not read C
  const am = c.masks ? randomMask(a.length, seed + 3) : null;
  const bm = c.masks ? randomMask(b.length, seed + 4) : null;
  const out = c0.slice();
  cpu.sgemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, out, ldc, am, bm);
  let worst = 0;
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let sum = 0, absSum = 0;
      for (let p = 0; p < c.k; p++) {
        const ai = c.ta ? p * lda + i : i * lda + p;
        const bi = c.tb ? j * ldb + p : p * ldb + j;
        const av = am ? a[ai] * am[ai] : a[ai];
        const bv = bm ? b[bi] * bm[bi] : b[bi];
        sum += av * bv;
        absSum += abs(av * bv);
      }
      const prior = c.beta === 0 ? 0 : c.beta * c0[i * ldc + j];
      const want = c.alpha * sum + prior;
      // float32 accumulation of k products: |error| <= (k + 2) u (|alpha| sum|ab| + |beta c|).
      const bound = (c.k + 3) * 2 ** -24 * (abs(c.alpha) * absSum + abs(prior)) + 1e-30;
      const err = abs(out[i * ldc + j] - want);
      worst = max(worst, Number.isNaN(err) ? Infinity : err / bound);
    }
  }
  // Padding between rows of C is never written.
  for (let i = 0; i + 1 < c.m; i++) {
    for (let j = c.n; j < ldc; j++) {
      if (!Object.is(out[i * ldc + j], c0[i * ldc + j])) return Infinity;
    }
  }
  return worst;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 1, 7], [1, 13, 1], [7, 1, 3], [2, 3, 5], [13, 17, 19], [14, 32, 8], [15, 33, 9],
  [6, 16, 4], [7, 17, 3], [29, 67, 389], [97, 31, 257], [31, 131, 780], [3, 1031, 11], [1031, 3, 11],
];
const COMBOS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

afterAll(() => {
  cpu.setIsa(initial.isa);
  cpu.setNumThreads(initial.threads);
});

describe.each(ISAS)('sgemm on the %s path', (isa) => {
  beforeEach(() => cpu.setIsa(isa));

  test.each(COMBOS)('transA=%s transB=%s over odd shapes', (ta, tb) => {
    let seed = 11;
    for (const [m, n, k] of SHAPES) {
      const alpha = 0.75, beta = m % 2 ? 0 : -1.25;
      expect([m, n, k, check({ ta, tb, m, n, k, alpha, beta }, (seed += 7)) <= 1]).toEqual([m, n, k, true]);
    }
  });

  test('every edge-tile size (rows 1..28, columns around the vector widths)', () => {
    let seed = 303;
    for (let m = 1; m <= 28; m++) {
      for (const n of [5, 8, 16, 17, 32, 33, 47]) {
        const r = check({ ta: m % 2 === 0, tb: n % 2 === 0, m, n, k: 19, alpha: 1.25, beta: m % 3 ? 0 : 0.5 }, (seed += 3));
        expect([m, n, r <= 1]).toEqual([m, n, true]);
      }
    }
  });

  test('strided rows, alpha and beta, masks fused into packing', () => {
    let seed = 101;
    for (const [ta, tb] of COMBOS) {
      for (const [m, n, k] of [[5, 7, 11], [37, 41, 43], [61, 97, 300]] as const) {
        for (const beta of [0, 1, 0.5]) {
          const r = check({ ta, tb, m, n, k, alpha: -1.5, beta, pad: 3, masks: true }, (seed += 5));
          expect([ta, tb, m, n, k, beta, r <= 1]).toEqual([ta, tb, m, n, k, beta, true]);
        }
      }
    }
  });

  test('a larger product split across threads', () => {
    cpu.setNumThreads(Math.max(2, initial.threads));
    try {
      expect(check({ ta: false, tb: false, m: 211, n: 307, k: 401, alpha: 1, beta: 0 }, 5)).toBeLessThanOrEqual(1);
      expect(check({ ta: true, tb: true, m: 173, n: 89, k: 523, alpha: 1, beta: 2 }, 6)).toBeLessThanOrEqual(1);
      // More rows than one row block: B packed once, shared by the threads.
      expect(check({ ta: false, tb: true, m: 470, n: 150, k: 400, alpha: 0.5, beta: 0.5, masks: true }, 7)).toBeLessThanOrEqual(1);
      expect(check({ ta: true, tb: false, m: 463, n: 37, k: 405, alpha: 1, beta: 0 }, 8)).toBeLessThanOrEqual(1);
    } finally {
      cpu.setNumThreads(initial.threads);
    }
  });

  test('several row, column and depth blocks on one thread (packed A reused across column blocks)', () => {
    cpu.setNumThreads(1);
    try {
      expect(check({ ta: false, tb: false, m: 20, n: 1100, k: 800, alpha: 1, beta: 0.5 }, 71)).toBeLessThanOrEqual(1);
      expect(check({ ta: true, tb: false, m: 449, n: 4101, k: 5, alpha: -1, beta: 0 }, 72)).toBeLessThanOrEqual(1);
    } finally {
      cpu.setNumThreads(initial.threads);
    }
  });

  test('k = 0 and alpha = 0 scale C by beta without reading A or B', () => {
    const c = new Float32Array([1, 2, 3, 4, 5, 6]);
    cpu.sgemm(false, false, 2, 3, 0, 1, new Float32Array(0), 1, new Float32Array(0), 3, 2, c, 3, null, null);
    expect(Array.from(c)).toEqual([2, 4, 6, 8, 10, 12]);
    const nanA = new Float32Array(4).fill(NaN);
    cpu.sgemm(false, false, 2, 3, 2, 0, nanA, 2, randomFill(6, 3), 3, 0, c.fill(NaN), 3, null, null);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('the result does not depend on the thread count', () => {
    const m = 470, n = 230, k = 700;
    const a = randomFill(m * k, 1), b = randomFill(k * n, 2);
    const outs = [1, 2, 3].map((t) => {
      cpu.setNumThreads(t);
      const c = new Float32Array(m * n);
      cpu.sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n, null, null);
      return c;
    });
    cpu.setNumThreads(initial.threads);
    expect(Buffer.from(outs[1].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
    expect(Buffer.from(outs[2].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
  });
});

test('all ISA paths agree closely on the same product', () => {
  const m = 64, n = 96, k = 513;
  const a = randomFill(m * k, 9), b = randomFill(k * n, 10);
  const results = ISAS.map((isa) => {
    cpu.setIsa(isa);
    const c = new Float32Array(m * n);
    cpu.sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n, null, null);
    return c;
  });
  cpu.setIsa(initial.isa);
  for (const r of results.slice(1)) {
    let worst = 0;
    for (let i = 0; i < r.length; i++) worst = max(worst, abs(r[i] - results[0][i]));
    expect(worst).toBeLessThan(1e-3);
  }
});
