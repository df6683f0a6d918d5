import type { Tensor } from '../tensor/tensor';
import { maxAlong } from './max';
import { newTensor } from './dispatch';

/** Index of the first maximum along `axis`, as float values in x's dtype (exact below 2^24); no gradient. */
export function argmax(x: Tensor, axis: number, keepDims = false): Tensor {
  const { values, index } = maxAlong('argmax', x, axis, keepDims);
  const out = newTensor(x.backend, x.dtype, values.shape, values.size);
  x.backend.indexToFloat(index, out.storage('argmax'));
  x.backend.freeIndex(index);
  values.dispose();
  return out;
}
