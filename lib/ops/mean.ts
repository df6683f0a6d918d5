import type { Tensor } from '../tensor/tensor';
import { checkTensor } from './dispatch';
import { planReduce } from './reduce-axes';
import { sum } from './sum';
import { affine } from './affine';

/** Mean over `axes` (all when omitted), keeping them as 1 with keepDims. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkTensor('mean', 'x', x);
  const { count } = planReduce('mean', x.shape, axes);
  const s = sum(x, axes, keepDims);
  const out = affine(s, 1 / count, 0);
  if (!s.requiresGrad) s.dispose();
  return out;
}
