import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';
import { zerosLike } from './zeros-like';

/** -1, 0 or 1 elementwise (gradient 0). */
export function sign(x: Tensor): Tensor {
  const out = unaryKernel('sign', 'sign', x);
  if (needsGrad(x)) record('sign', out, [x], () => [zerosLike(x)], []);
  return finish('sign', out);
}
