/**
 * Whole-arena passes over 0/1 pruning masks: zeroing the pruned weights and counting the
 * kept ones, over millions of entries in threaded native passes (JS loops below a few
 * thousand, where a call into the addon costs more).
 */
import { loadNative } from '../backend/native-loader';

const ONE = Int32Array.of(1);
const BROADCAST = Int32Array.of(0);
const PLUS_ZERO = new Float32Array(1);
/** Longest run reduceSum counts exactly: its float32 result holds every integer up to 2^24. */
const EXACT_COUNT = 1 << 24;
/** Below this many entries a JS loop beats the calls into the addon. */
const NATIVE_MIN = 1 << 14;

/**
 * values[i] = +0 where masks[i] == 0: v * m then + 0 (which turns the -0 of a pruned negative
 * weight into +0), both threaded native passes. Kept weights keep their value (v * 1 + 0: a
 * kept -0 becomes +0, the JS loop doing the same so that both paths give the same bits); a
 * pruned weight that is not finite would become NaN, which no finite initialization or
 * training step produces.
 */
export function zeroPruned(v: Float32Array, m: Float32Array): void {
  const binary = loadNative().addon?.binary;
  const n = v.length;
  if (typeof binary === 'function' && n >= NATIVE_MIN) {
    const shape = Int32Array.of(n);
    binary('mul', v, ONE, m, ONE, v, shape);
    binary('add', v, ONE, PLUS_ZERO, BROADCAST, v, shape);
    return;
  }
  for (let i = 0; i < n; i++) v[i] = m[i] === 0 ? 0 : v[i] + 0;
}

/** Number of kept entries (the sum) of a 0/1 mask: native reduceSum over runs short enough to stay exact in float32. */
export function keptCount(m: Float32Array): number {
  const reduceSum = loadNative().addon?.reduceSum;
  const n = m.length;
  let kept = 0;
  if (typeof reduceSum === 'function' && n >= NATIVE_MIN) {
    const out = new Float32Array(1);
    for (let start = 0; start < n; start += EXACT_COUNT) {
      const len = Math.min(EXACT_COUNT, n - start);
      reduceSum(m.subarray(start, start + len), 1, len, 1, out);
      kept += out[0];
    }
    return kept;
  }
  for (let i = 0; i < n; i++) kept += m[i];
  return kept;
}

/** Fraction of a 0/1 mask kept, in [0, 1] (1 for an empty mask). */
export function keptFraction(m: Float32Array): number {
  return m.length ? keptCount(m) / m.length : 1;
}
