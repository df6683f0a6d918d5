import type { Tensor } from '../../tensor';
import { dropout } from '../../ops';
import { Module } from '../module';
import { defaultLayerSeed } from '../init';

/**
 * Zeroes each element with probability p in training and scales the rest by 1 / (1 - p);
 * the identity in evaluation (PyTorch `nn.Dropout`). Training call k draws from a Philox
 * stream derived from (seed, k), so runs are reproducible.
 */
export class Dropout extends Module {
  /** Training forward passes so far (advances the random stream). */
  calls = 0;
  readonly seed: number;

  constructor(
    readonly p = 0.5,
    opts: { seed?: number } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
    this.seed = opts.seed ?? defaultLayerSeed();
  }

  override forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const seed = this.seed + this.calls++ * 0x9e3779b9;
    return dropout(x, this.p, { training: true, seed: seed % Number.MAX_SAFE_INTEGER });
  }
}
