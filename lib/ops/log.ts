import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';
import { div } from './div';

/** Natural logarithm elementwise. */
export function log(x: Tensor): Tensor {
  const out = unaryKernel('log', 'log', x);
  if (needsGrad(x)) record('log', out, [x], (gy) => [div(gy, x)]);
  return finish('log', out);
}
