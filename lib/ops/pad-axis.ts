import type { Tensor } from '../tensor/tensor';
import { contiguousStrides, normalizeAxis, sizeOf } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { narrow } from './narrow';

/** x with `before` zeros prepended and `after` zeros appended along `axis`. */
export function padAxis(x: Tensor, axis: number, before: number, after: number): Tensor {
  checkTensor('padAxis', 'x', x);
  const a = normalizeAxis('padAxis', axis, x.ndim);
  if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0) {
    throw new RangeError(`padAxis: before (${before}) and after (${after}) must be non-negative integers`);
  }
  const shape = x.shape.slice();
  shape[a] += before + after;
  const size = sizeOf(shape);
  const b = x.backend;
  const out = newTensor(b, x.dtype, shape, size, b.zeros(size, x.dtype));
  const outStrides = contiguousStrides(shape);
  b.stridedCopy(x.storage('padAxis'), 0, contiguousStrides(x.shape), out.storage('padAxis'), before * outStrides[a], outStrides, Int32Array.from(x.shape));
  if (needsGrad(x)) record('padAxis', out, [x], (gy) => [narrow(gy, a, before, x.shape[a])], []);
  return finish('padAxis', out);
}
