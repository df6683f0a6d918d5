import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record } from './dispatch';
import { affine } from './affine';
import { sumTo } from './sum-to';

/** a + b with broadcasting; either side may be a number. */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a as Tensor, 1, b);
  if (typeof a === 'number') return affine(b, 1, a);
  const out = binaryKernel('add', 'add', a, b);
  if (needsGrad(a, b)) record('add', out, [a, b], (gy) => [sumTo(gy, a.shape), sumTo(gy, b.shape)], []);
  return finish('add', out);
}
