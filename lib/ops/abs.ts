import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';
import { mul } from './mul';
import { sign } from './sign';

/** |x| elementwise (gradient sign(x), 0 at 0). */
export function abs(x: Tensor): Tensor {
  const out = unaryKernel('abs', 'abs', x);
  if (needsGrad(x)) record('abs', out, [x], (gy) => [mul(gy, sign(x))]);
  return finish('abs', out);
}
