import type { Tensor } from '../tensor/tensor';
import type { IndexStorage } from '../backend/backend';
import { sizeOf } from '../tensor/shape';
import { finish, needsGrad, newTensor, record } from './dispatch';

/**
 * The adjoint pair behind max's gradient, over a tensor viewed as [outer, len, inner] with
 * one index per (outer, inner) position into the middle axis.
 */

/** out = zeros(outShape), out[o, index[o, i], i] += values[o, i]. */
export function scatterAxis(values: Tensor, index: IndexStorage, outer: number, len: number, inner: number, outShape: readonly number[]): Tensor {
  const out = newTensor(values.backend, values.dtype, outShape, sizeOf(outShape));
  values.backend.scatterAxis(values.storage('scatterAxis'), index, outer, len, inner, out.storage('scatterAxis'));
  if (needsGrad(values)) {
    record('scatterAxis', out, [values], (gy) => [gatherAxis(gy, index, outer, len, inner, values.shape)], []);
  }
  return finish('scatterAxis', out);
}

/** out[o, i] = x[o, index[o, i], i], shaped outShape. */
export function gatherAxis(x: Tensor, index: IndexStorage, outer: number, len: number, inner: number, outShape: readonly number[]): Tensor {
  const out = newTensor(x.backend, x.dtype, outShape, sizeOf(outShape));
  x.backend.gatherAxis(x.storage('gatherAxis'), index, outer, len, inner, out.storage('gatherAxis'));
  if (needsGrad(x)) {
    record('gatherAxis', out, [x], (gy) => [scatterAxis(gy, index, outer, len, inner, x.shape)], []);
  }
  return finish('gatherAxis', out);
}
