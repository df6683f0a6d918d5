import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record, unaryKernel } from './dispatch';
import { mul } from './mul';

/** Clamps x to [min, max] (either bound optional); the gradient passes where min <= x <= max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (lo > hi) throw new RangeError(`clamp: min ${lo} is greater than max ${hi}`);
  const out = unaryKernel('clamp', 'clamp', x, lo, hi);
  if (needsGrad(x)) {
    record('clamp', out, [x], (gy) => [mul(gy, binaryKernel('clamp', 'eq', out, x))], [x, out]);
  }
  return finish('clamp', out);
}
