import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record } from './dispatch';
import { affine } from './affine';
import { sumTo } from './sum-to';
import { mul } from './mul';
import { neg } from './neg';
import { pow } from './pow';

/** a / b elementwise with broadcasting; either side may be a number. */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a as Tensor, 1 / b, 0);
  if (typeof a === 'number') return affine(pow(b, -1), a, 0);
  const out = binaryKernel('div', 'div', a, b);
  if (needsGrad(a, b)) {
    record('div', out, [a, b], (gy) => [
      a.requiresGrad ? sumTo(div(gy, b), a.shape) : null,
      // d(a/b)/db = -a / b^2
      b.requiresGrad ? sumTo(neg(div(mul(gy, a), mul(b, b))), b.shape) : null,
    ]);
  }
  return finish('div', out);
}
