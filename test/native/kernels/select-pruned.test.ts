// selectTopK on the pruning loop's late iterations: most entries are -Infinity (pruned
// weights) and k is close to the number of live ones, so the sampled band reaches down to
// -inf. The mask must still be the exact top k (ties to the lower index), on every ISA.
import { addon, onEveryIsa, uniform } from './kernel-check';

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
      });
    });
  }
});
