import type { Tensor } from '../tensor';
import { mul } from '../ops';
import type { Parameter } from './parameter';

/**
 * The weight a layer computes with: the parameter itself when it has no mask, else
 * weight * mask. Every masked layer goes through here, so that switching to fused-mask or
 * compressed sparse kernels is a change in this one place.
 */
export function effectiveWeight(p: Parameter): Tensor {
  return p.mask ? mul(p, p.mask) : p;
}
