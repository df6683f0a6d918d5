// The pruning loop's fused arena passes (pruneScores, pruneZeroMasked) against plain
// loops, on every ISA path, over lengths around the vector width and the thread chunks,
// with and without masks, inverted, and with NaN/inf planted after pruned entries.
import { addon, expectThrows, onEveryIsa, randomArray, randomMask } from './kernel-check';

const KINDS = ['abs', 'absprod', 'prod', 'negprod'] as const;
type Kind = (typeof KINDS)[number];

function oracle(kind: Kind, t: Float32Array, g: Float32Array, m: Float32Array | null, invert: boolean) {
  const out = new Float32Array(t.length);
  let alive = 0;
  let bad = -1;
  for (let i = 0; i < t.length; i++) {
    if (m && m[i] === 0) {
      out[i] = -Infinity;
      continue;
    }
    alive++;
    const p = Math.fround(t[i] * g[i]);
    let s = kind === 'abs' ? Math.abs(t[i]) : kind === 'absprod' ? Math.abs(p) : kind === 'prod' ? p : -p;
    if (invert) s = -s;
    out[i] = s;
    if (bad < 0 && !Number.isFinite(s)) bad = i;
  }
  return { out, alive, bad };
}

describe('pruneScores', () => {
  for (const n of [1, 15, 17, 1031, 140_001]) {
    test(`every kind, masked or not, inverted or not, n = ${n}, on every ISA`, () => {
      const t = randomArray(n), g = randomArray(n, -3, 3), m = randomMask(n);
      onEveryIsa((isa) => {
        for (const kind of KINDS)
          for (const mask of [m, null])
            for (const invert of [false, true]) {
              const want = oracle(kind, t, g, mask, invert);
              const out = new Float32Array(n).fill(NaN);
              const r = addon.pruneScores(kind, t, kind === 'abs' ? null : g, mask, invert, out);
              const where = `${isa} ${kind} mask=${mask !== null} invert=${invert}`;
              expect([where, r[0], r[1]]).toEqual([where, want.alive, -1]);
              for (let i = 0; i < n; i++) if (!Object.is(out[i], want.out[i])) throw new Error(`${where}: out[${i}] = ${out[i]}, want ${want.out[i]}`);
            }
      });
    });
  }

  test('reports the first live non-finite score; pruned ones do not count; out may alias theta', () => {
    const n = 150_001;
    const t = randomArray(n), g = randomArray(n), m = randomMask(n);
    const deadNan = m.indexOf(0);
    t[deadNan] = NaN; // pruned: ignored
    const live = m.indexOf(1, 100_000);
    g[live] = Infinity;
    m[live + 7] = 1;
    t[live + 7] = NaN;
    onEveryIsa((isa) => {
      for (const kind of ['absprod', 'prod'] as const) {
        const want = oracle(kind, t, g, m, false);
        expect([isa, want.bad]).toEqual([isa, live]);
        const out = t.slice();
        const r = addon.pruneScores(kind, out, g, m, false, out);
        expect([isa, r[0], r[1]]).toEqual([isa, want.alive, live]);
      }
    });
  });

  test('bad input throws named errors', () => {
    const t = randomArray(8), g = randomArray(8), out = new Float32Array(8);
    expectThrows(() => addon.pruneScores('abs', t, null, null, false), 'TypeError', 'pruneScores', 'expected 6 arguments');
    expectThrows(() => addon.pruneScores('max', t, g, null, false, out), 'RangeError', 'pruneScores', "'kind'");
    expectThrows(() => addon.pruneScores('prod', t, null, null, false, out), 'TypeError', 'pruneScores', "'g'");
    expectThrows(() => addon.pruneScores('prod', t, g.subarray(1), null, false, out), 'RangeError', "'g'");
    expectThrows(() => addon.pruneScores('prod', t, g, new Float32Array(7), false, out), 'RangeError', "'mask'");
    expectThrows(() => addon.pruneScores('prod', t, g, null, 1, out), 'TypeError', "'invert'");
    expectThrows(() => addon.pruneScores('prod', t, g, null, false, new Float64Array(8)), 'TypeError', "'out'");
    expectThrows(() => addon.pruneScores('prod', t, g, null, false, out.subarray(2)), 'RangeError', "'out'");
  });
});

describe('pruneZeroMasked', () => {
  test('zeroes exactly the pruned entries (to +0), on every ISA', () => {
    for (const n of [1, 17, 65_536 + 3, 300_007]) {
      const v = randomArray(n), m = randomMask(n, 0.3);
      v[0] = -0;
      v[n - 1] = NaN;
      onEveryIsa((isa) => {
        const got = v.slice();
        addon.pruneZeroMasked(got, m);
        for (let i = 0; i < n; i++) {
          const want = m[i] === 0 ? 0 : v[i];
          if (!Object.is(got[i], want)) throw new Error(`${isa} n=${n}: values[${i}] = ${got[i]}, want ${want}`);
        }
      });
    }
  });

  test('bad input throws named errors', () => {
    const v = randomArray(8);
    expectThrows(() => addon.pruneZeroMasked(v), 'TypeError', 'pruneZeroMasked', 'expected 2 arguments');
    expectThrows(() => addon.pruneZeroMasked(v, new Float32Array(9)), 'RangeError', 'pruneZeroMasked', "'mask'");
    expectThrows(() => addon.pruneZeroMasked([1, 2], new Float32Array(2)), 'TypeError', "'values'");
  });
});
