import type { Tensor } from '../tensor/tensor';
import { normalizeAxis } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { transpose } from './permute';
import { exp } from './exp';
import { mul } from './mul';
import { sub } from './sub';
import { sum } from './sum';

/** Log-softmax along the last axis of any tensor. */
function logSoftmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.ndim - 1];
  const out = newTensor(x.backend, x.dtype, x.shape, x.size);
  x.backend.logSoftmax(x.storage('logSoftmax'), x.size / cols, cols, out.storage('logSoftmax'));
  // dx = gy - softmax(x) sum(gy), with softmax(x) = exp(out) kept on the tape.
  if (needsGrad(x)) record('logSoftmax', out, [x], (gy) => [sub(gy, mul(exp(out), sum(gy, -1, true)))], [out]);
  return finish('logSoftmax', out);
}

/** log(softmax(x)) along `axis` (default last), computed stably as x - logsumexp(x). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor('logSoftmax', 'x', x);
  if (x.ndim === 0) throw new RangeError('logSoftmax: needs at least one dimension');
  const a = normalizeAxis('logSoftmax', axis, x.ndim);
  if (a === x.ndim - 1) return logSoftmaxLast(x);
  return transpose(logSoftmaxLast(transpose(x, a, -1)), a, -1);
}
