import { keptCount, keptFraction, zeroPruned } from '../../lib/nn/mask-passes';

/** A 0/1 mask keeping about `density` of n entries, and weights of both signs (some -0), from an LCG. */
function randomCase(n: number, density: number, seed: number): { v: Float32Array; m: Float32Array } {
  const v = new Float32Array(n), m = new Float32Array(n);
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
  for (let i = 0; i < n; i++) {
    v[i] = i % 97 === 0 ? -0 : next() - 0.5;
    m[i] = next() < density ? 1 : 0;
  }
  return { v, m };
}

describe('mask passes', () => {
  // 1,000 runs the JS loops, 50,000 the native passes (when the addon is built).
  test.each([1000, 50_000])('zeroPruned keeps kept weights (a kept -0 as +0) and writes +0 at pruned ones (n %d)', (n) => {
    const { v, m } = randomCase(n, 0.3, n);
    const before = v.slice();
    zeroPruned(v, m);
    let keptNegativeZeros = 0;
    for (let i = 0; i < n; i++) {
      if (m[i] === 1 && Object.is(before[i], -0)) keptNegativeZeros++;
      expect(Object.is(v[i], m[i] === 1 ? before[i] + 0 : 0)).toBe(true);
    }
    expect(keptNegativeZeros).toBeGreaterThan(0);
  });

  test.each([1000, 50_000])('keptCount and keptFraction count the ones (n %d)', (n) => {
    const { m } = randomCase(n, 0.07, 3 * n);
    let ones = 0;
    for (let i = 0; i < n; i++) ones += m[i];
    expect(ones).toBeGreaterThan(0);
    expect(keptCount(m)).toBe(ones);
    expect(keptFraction(m)).toBe(ones / n);
    expect(keptCount(new Float32Array(n))).toBe(0);
  });

  test('an empty mask keeps everything (fraction 1) and counts 0', () => {
    expect(keptFraction(new Float32Array(0))).toBe(1);
    expect(keptCount(new Float32Array(0))).toBe(0);
  });
});
