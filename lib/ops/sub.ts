import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record } from './dispatch';
import { affine } from './affine';
import { sumTo } from './sum-to';
import { neg } from './neg';

/** a - b with broadcasting; either side may be a number. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a as Tensor, 1, -b);
  if (typeof a === 'number') return affine(b, -1, a);
  const out = binaryKernel('sub', 'sub', a, b);
  if (needsGrad(a, b)) {
    record('sub', out, [a, b], (gy) => [a.requiresGrad ? sumTo(gy, a.shape) : null, b.requiresGrad ? neg(sumTo(gy, b.shape)) : null], []);
  }
  return finish('sub', out);
}
