import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';

/** -x elementwise. */
export function neg(x: Tensor): Tensor {
  const out = unaryKernel('neg', 'neg', x);
  if (needsGrad(x)) record('neg', out, [x], (gy) => [neg(gy)], []);
  return finish('neg', out);
}
