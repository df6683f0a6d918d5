import { philoxBlock } from '../../lib/backend/reference/philox';
import { DataStream, permutation, permutationFromKey, streamKey } from '../../lib/data/random-stream';

test('a permutation holds every index once and is a pure function of (seed, purpose, index)', () => {
  for (const n of [0, 1, 2, 7, 1000]) {
    const p = permutation(n, 5);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  }
  expect(permutation(100, 5, DataStream.Shuffle, 3)).toEqual(permutation(100, 5, DataStream.Shuffle, 3));
  expect(permutation(100, 5, DataStream.Shuffle, 3)).not.toEqual(permutation(100, 5, DataStream.Shuffle, 4));
  expect(permutation(100, 5, DataStream.Shuffle)).not.toEqual(permutation(100, 5, DataStream.Subset));
  expect(permutation(100, 5)).not.toEqual(permutation(100, 6));
  expect(permutation(100, 2n ** 40n)).toEqual(permutation(100, 2 ** 40));
});

test('the key is one Philox block of (index, purpose, tag) under the seed', () => {
  const out = new Uint32Array(4);
  philoxBlock(9, 0, DataStream.Augment, 0x0da7a5e7, 42, 0, out);
  expect(streamKey(42, DataStream.Augment, 9)).toEqual([out[0], out[1]]);
});

test('Fisher-Yates from the first step: hand-computed swap for n = 2', () => {
  // n = 2: one step (k = 0, i = 1) using words 0 and 1 of block 0: j = floor(r * 2).
  const key: [number, number] = [123, 456];
  const w = new Uint32Array(4);
  philoxBlock(0, 0, 0, 0, key[0], key[1], w);
  const r = (w[0] * 2 ** 21 + (w[1] >>> 11)) / 2 ** 53;
  expect(Array.from(permutationFromKey(2, key))).toEqual(r < 0.5 ? [1, 0] : [0, 1]);
});

test('all 24 orders of 4 items appear about equally often', () => {
  const counts = new Map<string, number>();
  const trials = 24000;
  for (let s = 0; s < trials; s++) {
    const k = permutation(4, s).join('');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  expect(counts.size).toBe(24);
  // chi-square with 23 degrees of freedom: p = 0.001 at 49.7
  let chi2 = 0;
  for (const c of counts.values()) chi2 += (c - 1000) ** 2 / 1000;
  expect(chi2).toBeLessThan(49.7);
});

test('rejects bad sizes and indices', () => {
  expect(() => permutation(-1, 0)).toThrow(/n must be an integer/);
  expect(() => streamKey(0, DataStream.Shuffle, -1)).toThrow(/index must be a non-negative integer/);
  expect(() => permutation(3, -1)).toThrow(/seed/);
});
