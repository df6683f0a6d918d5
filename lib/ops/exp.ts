import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';
import { mul } from './mul';

/** e^x elementwise. */
export function exp(x: Tensor): Tensor {
  const out = unaryKernel('exp', 'exp', x);
  // exp' = exp: the output itself, which stays on the tape for higher-order gradients.
  if (needsGrad(x)) record('exp', out, [x], (gy) => [mul(gy, out)], [out]);
  return finish('exp', out);
}
