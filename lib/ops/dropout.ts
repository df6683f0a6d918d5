import type { Tensor } from '../tensor/tensor';
import { rand } from '../tensor/create';
import { checkTensor } from './dispatch';
import { ge } from './compare';
import { affine } from './affine';
import { mul } from './mul';
import { zerosLike } from './zeros-like';

/** Options of dropout: the Philox stream of the mask. */
export interface DropoutOptions {
  /** Identity when false (evaluation). Default true. */
  training?: boolean;
  /** Seed of the mask stream; default the global stream of manualSeed(). */
  seed?: number | bigint;
  offset?: number;
}

/**
 * Zeroes each element with probability p and scales the survivors by 1 / (1 - p), with the
 * keep decision U >= p from Philox, so the same (seed, offset) gives the same mask on
 * every backend. The gradient is the same mask times the output gradient.
 */
export function dropout(x: Tensor, p: number, opts: DropoutOptions = {}): Tensor {
  checkTensor('dropout', 'x', x);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (opts.training === false || p === 0) return x;
  if (p === 1) return mul(x, zerosLike(x));
  const u = rand(x.shape, { seed: opts.seed, offset: opts.offset, backend: x.backend, dtype: x.dtype });
  const keepMask = ge(u, p);
  const scaled = affine(keepMask, 1 / (1 - p), 0);
  u.dispose();
  keepMask.dispose();
  return mul(x, scaled);
}
