import type { Tensor } from '../tensor/tensor';
import { ActivationNotes } from './activation-notes';

/**
 * Per-(sample, channel) moments of an activation x [n, c, ...], recorded by the op that wrote
 * it: the compressed convolution takes each output plane's mean and sum of squared
 * deviations while the plane is in cache. A training-mode batch norm of exactly that tensor
 * merges them into its statistics instead of another pass over x. They hold while x is
 * unchanged (ActivationNotes).
 */
const moments = new ActivationNotes<Float64Array>();

/** @internal How many batch-norm statistics came from recorded moments (tests check the path is taken). */
export const rowMomentsTaken = { count: 0 };

/**
 * Records that `value` [2 n c] holds x's row moments: [0, n c) the mean of row b c + ch,
 * [n c, 2 n c) its sum of squared deviations from that mean.
 */
export function noteRowMoments(x: Tensor, value: Float64Array): void {
  moments.note(x, value);
}

/** The row moments recorded for x and still valid (x unchanged since), or null. */
export function recordedRowMoments(x: Tensor): Float64Array | null {
  const r = moments.get(x);
  if (r !== null) rowMomentsTaken.count++;
  return r;
}
