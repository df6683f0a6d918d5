import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';
import { mul } from './mul';

/** max(x, 0) elementwise (gradient 0 at 0, as PyTorch). */
export function relu(x: Tensor): Tensor {
  const out = unaryKernel('relu', 'relu', x);
  if (needsGrad(x)) record('relu', out, [x], (gy) => [mul(gy, unaryKernel('relu', 'step', out))], [out]);
  return finish('relu', out);
}
