import type { Tensor } from '../tensor/tensor';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';

/** A copy with its own storage that stays on the tape (gradient passes through). */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', 'x', x);
  const out = newTensor(x.backend, x.dtype, x.shape, x.size);
  x.backend.copy(x.storage('clone'), out.storage('clone'), x.size);
  if (needsGrad(x)) record('clone', out, [x], (gy) => [gy], []);
  return finish('clone', out);
}
