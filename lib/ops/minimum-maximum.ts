import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record } from './dispatch';
import { mul } from './mul';
import { sumTo } from './sum-to';
import { sub } from './sub';

/** Elementwise max(a, b) with broadcasting; the gradient goes to a where a >= b, else to b. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('maximum', 'max', a, b);
  if (needsGrad(a, b)) {
    record('maximum', out, [a, b], (gy) => {
      const m = binaryKernel('maximum', 'ge', a, b);
      return [a.requiresGrad ? sumTo(mul(gy, m), a.shape) : null, b.requiresGrad ? sumTo(mul(gy, sub(1, m)), b.shape) : null];
    });
  }
  return finish('maximum', out);
}

/** Elementwise min(a, b) with broadcasting; the gradient goes to a where a <= b, else to b. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('minimum', 'min', a, b);
  if (needsGrad(a, b)) {
    record('minimum', out, [a, b], (gy) => {
      const m = binaryKernel('minimum', 'le', a, b);
      return [a.requiresGrad ? sumTo(mul(gy, m), a.shape) : null, b.requiresGrad ? sumTo(mul(gy, sub(1, m)), b.shape) : null];
    });
  }
  return finish('minimum', out);
}
