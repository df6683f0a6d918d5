import type { Tensor } from '../tensor/tensor';

/**
 * Per-(sample, channel) moments of an activation x [n, c, ...], recorded by the op that wrote
 * it: the compressed convolution takes each output plane's mean and sum of squared
 * deviations while the plane is in cache. A training-mode batch norm of exactly that tensor
 * merges them into its statistics instead of another pass over x. An in-place write to x
 * (copy_, fill_, mulInPlace_) bumps its storage's version and voids them; writes through
 * data() are not seen, as for any tensor an op saved for its backward. Weak keys: moments
 * nobody takes go with their tensor.
 */
const registry = new WeakMap<Tensor, { moments: Float64Array; version: number }>();

/** @internal How many batch-norm statistics came from recorded moments (tests check the path is taken). */
export const rowMomentsTaken = { count: 0 };

/**
 * Records that `moments` [2 n c] holds x's row moments: [0, n c) the mean of row b c + ch,
 * [n c, 2 n c) its sum of squared deviations from that mean.
 */
export function noteRowMoments(x: Tensor, moments: Float64Array): void {
  registry.set(x, { moments, version: x.storageRef('noteRowMoments').version });
}

/** The row moments recorded for x and still valid (x unchanged since), or null. */
export function recordedRowMoments(x: Tensor): Float64Array | null {
  const r = registry.get(x);
  if (r === undefined) return null;
  if (r.version !== x.storageRef('recordedRowMoments').version) {
    registry.delete(x);
    return null;
  }
  rowMomentsTaken.count++;
  return r.moments;
}
