import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record } from './dispatch';
import { affine } from './affine';
import { sumTo } from './sum-to';

/** a * b elementwise with broadcasting; either side may be a number. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a as Tensor, b, 0);
  if (typeof a === 'number') return affine(b, a, 0);
  const out = binaryKernel('mul', 'mul', a, b);
  if (needsGrad(a, b)) {
    record('mul', out, [a, b], (gy) => [
      a.requiresGrad ? sumTo(mul(gy, b), a.shape) : null,
      b.requiresGrad ? sumTo(mul(gy, a), b.shape) : null,
    ]);
  }
  return finish('mul', out);
}
