import type { Tensor } from '../tensor/tensor';
import { newTensor } from './dispatch';

/** A tensor of zeros with x's shape, dtype and backend (not on the tape). */
export function zerosLike(x: Tensor): Tensor {
  return newTensor(x.backend, x.dtype, x.shape, x.size, x.backend.zeros(x.size, x.dtype));
}
