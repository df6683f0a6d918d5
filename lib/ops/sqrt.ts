import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';
import { div } from './div';
import { affine } from './affine';

/** Square root elementwise. */
export function sqrt(x: Tensor): Tensor {
  const out = unaryKernel('sqrt', 'sqrt', x);
  if (needsGrad(x)) record('sqrt', out, [x], (gy) => [div(gy, affine(out, 2, 0))], [out]);
  return finish('sqrt', out);
}
