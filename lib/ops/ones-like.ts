import type { Tensor } from '../tensor/tensor';
import { newTensor } from './dispatch';

/** A tensor of ones with x's shape, dtype and backend (not on the tape). */
export function onesLike(x: Tensor): Tensor {
  const t = newTensor(x.backend, x.dtype, x.shape, x.size);
  x.backend.fill(t.storage('onesLike'), 1);
  return t;
}
