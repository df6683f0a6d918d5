// selectTopK on the pruning loop's late iterations: most entries are -Infinity (pruned
// weights) and k is close to the number of live ones, so the sampled band reaches down to
// -inf. The mask must still be the exact top k (ties to the lower index), on every ISA.
import { addon, onEveryIsa, uniform } from './kernel-check';
import { selectTopK, selectTopKSegments } from '../../../lib/backend/sparse/select';

/** The exact top-k mask by sorting (score descending, then index ascending; -0 equals +0). */
function oracle(s: Float32Array, k: number): Float32Array {
  const idx = Array.from(s.keys()).sort((a, b) => (s[b] + 0 === s[a] + 0 ? a - b : s[b] - s[a]));
  const m = new Float32Array(s.length);
  for (let j = 0; j < k; j++) m[idx[j]] = 1;
  return m;
}

function pruned(n: number, liveFraction: number, zeroFraction: number): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = uniform();
    s[i] = u >= liveFraction ? -Infinity : uniform() < zeroFraction ? 0 : uniform() * 1e-3;
  }
  return s;
}

describe('selectTopK with most entries pruned (-Infinity)', () => {
  const n = 300_007;
  const cases: [string, number, number, (live: number) => number][] = [
    ['84% pruned, keep 97.7% of the live', 0.16, 0, (live) => Math.round(live * 0.977)],
    ['84% pruned, keep all live', 0.16, 0, (live) => live],
    ['84% pruned, keep more than the live (some -inf kept, lowest indices)', 0.16, 0, (live) => live + 1000],
    ['95% pruned, live scores tied at 0 around the threshold', 0.05, 0.3, (live) => Math.round(live * 0.75)],
    ['99.9% pruned, keep half the live', 0.001, 0, (live) => Math.round(live / 2)],
  ];
  for (const [name, liveFraction, zeroFraction, keep] of cases) {
    test(name, () => {
      const s = pruned(n, liveFraction, zeroFraction);
      const live = s.reduce((a, v) => a + (v > -Infinity ? 1 : 0), 0);
      const k = keep(live);
      const want = oracle(s, k);
      onEveryIsa((isa) => {
        const mask = new Float32Array(n).fill(NaN);
        addon.selectTopK(s, k, mask);
        for (let i = 0; i < n; i++) if (mask[i] !== want[i]) throw new Error(`${isa}: mask[${i}] = ${mask[i]}, want ${want[i]} (score ${s[i]}, k ${k})`);
        // The same selection zeroing the weights it drops.
        const w = weights(n);
        const dropped = w.slice();
        mask.fill(NaN);
        addon.selectTopK(s, k, mask, dropped);
        checkDropped(isa, s, want, mask, w, dropped);
      });
    });
  }
});

/** Nonzero weights (also where the score is -inf, so that writes there would show). */
function weights(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 + uniform();
  return w;
}

/** The mask is the oracle's; a weight is zeroed exactly where it is dropped (mask 0, score above -inf). */
function checkDropped(where: string, s: Float32Array, want: Float32Array, mask: Float32Array, before: Float32Array, after: Float32Array): void {
  for (let i = 0; i < s.length; i++) {
    if (mask[i] !== want[i]) throw new Error(`${where}: mask[${i}] = ${mask[i]}, want ${want[i]}`);
    const expect = want[i] === 0 && s[i] > -Infinity ? 0 : before[i];
    if (!Object.is(after[i], expect)) throw new Error(`${where}: weight[${i}] = ${after[i]}, want ${expect} (score ${s[i]}, mask ${want[i]})`);
  }
}

describe('selectTopK zeroing the dropped weights in the same pass', () => {
  const n = 200_003;
  test('every path: sampled band, ties in the band, radix fallback, k = 0 and k = n, small inputs', () => {
    const cases: [string, Float32Array, (live: number) => number][] = [
      ['sampled', pruned(n, 0.3, 0), (live) => Math.round(live * 0.9)],
      ['ties at 0 in the band', pruned(n, 0.5, 0.6), (live) => Math.round(live * 0.5)],
      ['more kept than live (radix)', pruned(n, 0.2, 0), (live) => live + 77],
      ['k = 0', pruned(n, 0.4, 0), () => 0],
      ['k = n', pruned(n, 0.4, 0), () => n],
      ['small input', pruned(1_001, 0.5, 0.1), (live) => Math.round(live * 0.7)],
    ];
    for (const [name, s, keep] of cases) {
      const live = s.reduce((a, v) => a + (v > -Infinity ? 1 : 0), 0);
      const k = keep(live);
      const want = oracle(s, k);
      const w = weights(s.length);
      onEveryIsa((isa) => {
        const mask = new Float32Array(s.length).fill(NaN);
        const after = w.slice();
        addon.selectTopK(s, k, mask, after);
        checkDropped(`${isa} ${name}`, s, want, mask, w, after);
      });
      // The TypeScript reference (float64 scores do not go native) gives the same result.
      const mask = new Float32Array(s.length);
      const after = w.slice();
      selectTopK(Float64Array.from(s), k, mask, after);
      checkDropped(`reference ${name}`, s, want, mask, w, after);
    }
  });

  test('per segment, natively and in the reference', () => {
    const s = pruned(n, 0.25, 0.05);
    const offsets = [0, 17, 70_000, 70_001, 150_000, n];
    const ks: number[] = [];
    const want = new Float32Array(n);
    for (let g = 0; g + 1 < offsets.length; g++) {
      const seg = s.subarray(offsets[g], offsets[g + 1]);
      const live = seg.reduce((a, v) => a + (v > -Infinity ? 1 : 0), 0);
      ks.push(Math.round(live * 0.6));
      want.set(oracle(seg, ks[g]), offsets[g]);
    }
    const w = weights(n);
    onEveryIsa((isa) => {
      const mask = new Float32Array(n).fill(NaN);
      const after = w.slice();
      addon.selectTopKSegments(s, Float64Array.from(offsets), Float64Array.from(ks), mask, after);
      checkDropped(`${isa} segments`, s, want, mask, w, after);
    });
    const mask = new Float32Array(n);
    const after = w.slice();
    selectTopKSegments(Float64Array.from(s), offsets, ks, mask, after);
    checkDropped('reference segments', s, want, mask, w, after);
  });

  test('bad weights: a clear error, nothing written', () => {
    const s = pruned(4_096, 0.5, 0);
    const mask = new Float32Array(4_096).fill(7);
    expect(() => addon.selectTopK(s, 10, mask, new Float32Array(4_095))).toThrow(/selectTopK: 'values' has 4095 elements, expected 4096/);
    expect(() => addon.selectTopK(s, 10, mask, s)).toThrow(/'values' shares memory with the scores or the mask/);
    const both = new Float32Array(8_192);
    expect(() => addon.selectTopK(both.subarray(0, 4_096), 10, both.subarray(2_048, 6_144), both.subarray(4_096))).toThrow(/shares memory/);
    expect(() => addon.selectTopK(s, 10, mask, new Float64Array(4_096))).toThrow(/'values' must be a Float32Array/);
    expect(() => addon.selectTopK(s, 10, mask, null, 1)).toThrow(/expected 3 to 4 arguments/);
    expect(mask.every((v) => v === 7)).toBe(true);
    expect(() => selectTopK(Float64Array.from(s), 10, mask, mask)).toThrow(/'values' shares memory/);
    expect(mask.every((v) => v === 7)).toBe(true);
  });
});
