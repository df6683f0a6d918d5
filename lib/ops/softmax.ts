import type { Tensor } from '../tensor/tensor';
import { normalizeAxis } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { transpose } from './permute';
import { mul } from './mul';
import { sub } from './sub';
import { sum } from './sum';

/** Softmax along the last axis of any tensor. */
function softmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.ndim - 1];
  const out = newTensor(x.backend, x.dtype, x.shape, x.size);
  x.backend.softmax(x.storage('softmax'), x.size / cols, cols, out.storage('softmax'));
  // dx = y (gy - sum(gy y)); y is the output, itself on the tape for higher orders.
  if (needsGrad(x)) record('softmax', out, [x], (gy) => [mul(out, sub(gy, sum(mul(gy, out), -1, true)))], [out]);
  return finish('softmax', out);
}

/** exp(x) / sum(exp(x)) along `axis` (default last), max-shifted for stability. */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor('softmax', 'x', x);
  if (x.ndim === 0) throw new RangeError('softmax: needs at least one dimension');
  const a = normalizeAxis('softmax', axis, x.ndim);
  if (a === x.ndim - 1) return softmaxLast(x);
  return transpose(softmaxLast(transpose(x, a, -1)), a, -1);
}
