import type { Tensor } from '../../tensor';
import { mul } from '../../ops';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { checkPositive } from './linear';

/**
 * Per-channel scale with weight [c, 1, 1] initialized to 1: the parameterized identity
 * shortcut of the reference CIFAR ResNets (SynFlow's `Identity2d`). Counted in the
 * parameters, not prunable.
 */
export class Identity2d extends Module {
  constructor(readonly numFeatures: number) {
    super();
    checkPositive('Identity2d', { numFeatures });
    this.registerParameter('weight', Parameter.filled([numFeatures, 1, 1], 1));
  }

  /** The scale [c, 1, 1]. */
  get weight(): Parameter {
    return this.getParameter('weight')!;
  }

  override forward(x: Tensor): Tensor {
    return mul(x, this.weight);
  }
}
